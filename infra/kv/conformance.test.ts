/** Runs the KV conformance suite against every engine present: memory, LMDB, and FoundationDB when reachable. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerKvConformance } from './conformance.ts';
import { loadFdbBinding } from './fdb-binding.ts';
import { FoundationDbKvEngine } from './fdb-engine.ts';
import { LmdbKvEngine } from './lmdb-engine.ts';
import { MemoryKvEngine } from './memory-engine.ts';

/** A clock that stands still unless moved, starting at real time so that other processes' clocks roughly agree. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let now = Date.now();
  return { now: () => now, advance: (ms) => void (now += ms) };
}

registerKvConformance({
  name: 'memory',
  unavailable: null,
  async open() {
    const clock = fakeClock();
    const engine = await MemoryKvEngine.create({ clock: clock.now });
    return {
      engine,
      prefix: Buffer.from('t/'),
      advanceClock: clock.advance,
      faults: { set: (faults) => engine.setFaults(faults), get counts() { return engine.faultCounts; } },
      sharedConfig: null,
      close: () => engine.close(),
    };
  },
});

registerKvConformance({
  name: 'lmdb',
  unavailable: null,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'firepond-kv-'));
    const clock = fakeClock();
    const engine = await LmdbKvEngine.open({ path: dir, clock: clock.now });
    return {
      engine,
      prefix: Buffer.from('t/'),
      advanceClock: clock.advance,
      faults: null,
      sharedConfig: { engine: 'lmdb', path: dir },
      async close() {
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

const clusterFile = process.env.FDB_CLUSTER_FILE ?? '/etc/foundationdb/fdb.cluster';

async function fdbUnavailable(): Promise<string | null> {
  const reasons: string[] = [];
  try {
    await loadFdbBinding();
  } catch (err) {
    reasons.push(`${err instanceof Error ? err.message : String(err)}`);
  }
  if (!existsSync(clusterFile)) reasons.push(`no cluster file at ${clusterFile} (set FDB_CLUSTER_FILE)`);
  return reasons.length === 0 ? null : `FoundationDB not available: ${reasons.join('; ')}`;
}

registerKvConformance({
  name: 'foundationdb',
  unavailable: await fdbUnavailable(),
  async open() {
    const engine = await FoundationDbKvEngine.open({ clusterFile });
    // Tests share the cluster: each one works under its own prefix and clears it afterwards.
    const prefix = Buffer.from(`firepond-kv-test/${randomBytes(8).toString('hex')}/`);
    return {
      engine,
      prefix,
      advanceClock: null,
      faults: null,
      sharedConfig: { engine: 'foundationdb', clusterFile },
      async close() {
        await engine.transact(async (tx) => tx.clearRange(prefix, Buffer.concat([prefix, Buffer.from([0xff])])));
        await engine.close();
      },
    };
  },
});
