import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { ChunkEngine } from './chunk-engine.ts';
import { KILL_NINE_CHUNKS, workloadChunk, workloadContent } from './kill-nine-workload.ts';
import { SMALL_LAYOUT, tempDir } from './test-kit.ts';

const KILL_AFTER_ACKS = 150;

test('kill -9 of a process writing in a loop: every acknowledged write is readable with its checksum', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./kill-nine-writer.ts', import.meta.url)), dir], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const acked = new Array<number>(KILL_NINE_CHUNKS).fill(0);
  let acks = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const match = /^ACK (\d+) (\d+)$/.exec(line);
    if (match === null) continue;
    acked[Number(match[1])] = Number(match[2]);
    if (++acks === KILL_AFTER_ACKS) {
      child.kill('SIGKILL');
      break;
    }
  }
  const [code, signal] = (await exited) as [number | null, string | null];
  assert.deepEqual({ code, signal }, { code: null, signal: 'SIGKILL' });
  assert.equal(acks, KILL_AFTER_ACKS);

  const engine = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: true });
  t.after(() => engine.close());
  assert.equal(engine.recovery.pendingDropped, 0);
  assert.equal(engine.recovery.orphanSlotsFreed, 0);
  assert.equal(engine.recovery.unmarkedSlotsClaimed, 0);

  let pendingSeen = 0;
  for (let k = 0; k < KILL_NINE_CHUNKS; k++) {
    const id = workloadChunk(k);
    const meta = engine.stat(id);
    if (meta === null) {
      assert.equal(acked[k], 0, `chunk ${k} lost after ${acked[k]} acknowledged versions`);
      continue;
    }
    // The commit in flight at the kill may have landed without its ACK: one version past the last ACK at most.
    assert.ok(meta.commitVer === acked[k] || meta.commitVer === acked[k]! + 1, `chunk ${k}: committed ${meta.commitVer}, acknowledged ${acked[k]}`);
    const got = await engine.read(id, { offset: 0, length: 64 * 1024 });
    const expected = workloadContent(k, meta.commitVer);
    assert.deepEqual(got.data, expected, `chunk ${k} version ${meta.commitVer}`);
    assert.equal(got.crc32c, crc32c(expected));

    if (meta.pending !== null) {
      // An uncommitted version survives as pending; the chain would now commit it (or replace it).
      pendingSeen += 1;
      assert.equal(meta.pending.updateVer, meta.commitVer + 1);
      await engine.commit(id, { updateVer: meta.pending.updateVer });
      assert.deepEqual((await engine.read(id, { offset: 0, length: 64 * 1024 })).data, workloadContent(k, meta.pending.updateVer));
    }
  }
  assert.equal(engine.recovery.pendingKept, pendingSeen);
  t.diagnostic(`acknowledged versions ${acked.join(',')}; pending at kill ${pendingSeen}`);

  // Slot accounting agrees with the records: exactly one slot per committed chunk is in use.
  const metas = engine.listChunks({ begin: null, end: null, limit: null });
  const expectedUsed = metas.reduce((sum, m) => sum + (m.slot === null ? 0 : engine.layout.sizeClasses[m.slot.sizeClass]!), 0);
  assert.equal(engine.spaceInfo().usedBytes, expectedUsed);
});
