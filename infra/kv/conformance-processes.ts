/**
 * Conformance: serializability across processes. Two child processes run random transfers (and range-reading
 * rebalances) against one shared engine; the parent checks that money was neither made nor lost and that every
 * committed transaction's counter increments survived.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeInt64LE, encodeInt64LE } from './atomic-add.ts';
import type { KvEngineUnderTest } from './conformance-types.ts';
import { accountKey, accountsEnd, counterKey } from './transfer-workload.ts';
import type { TransferWorkerArgs } from './transfer-workload.ts';

const WORKER = join(import.meta.dirname, 'transfer-worker.ts');
const REPO_ROOT = join(import.meta.dirname, '..', '..');

function runWorker(args: TransferWorkerArgs): Promise<{ committed: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(args)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim()) as { committed: number });
      else reject(new Error(`worker ${args.label} exited with ${code}: ${err}`));
    });
  });
}

export function registerProcessTests(subject: KvEngineUnderTest): void {
  test('transfers from two processes are serializable: no money made or lost, no update lost', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const config = f.sharedConfig;
    if (config === null) return t.skip('the engine lives in one process');
    const accounts = 6;
    const transfers = 120;
    const initial = 1000n;
    await f.engine.transact(async (tx) => {
      for (let i = 0; i < accounts; i++) tx.set(accountKey(f.prefix, i), encodeInt64LE(initial));
    });
    const base = { config, prefixHex: f.prefix.toString('hex'), transfers, accounts };
    const results = await Promise.all([
      runWorker({ ...base, label: 'p1', seed: 1 }),
      runWorker({ ...base, label: 'p2', seed: 2 }),
    ]);
    assert.deepEqual(results, [{ committed: transfers }, { committed: transfers }]);
    const state = await f.engine.transact(async (tx) => {
      const rows = await tx.getRange(accountKey(f.prefix, 0), accountsEnd(f.prefix));
      const count = async (label: string) => decodeInt64LE(await tx.get(counterKey(f.prefix, label)));
      return {
        accounts: rows.length,
        total: rows.reduce((sum, r) => sum + decodeInt64LE(r.value), 0n),
        p1: await count('p1'),
        p2: await count('p2'),
        all: await count('all'),
      };
    });
    assert.deepEqual(state, {
      accounts,
      total: initial * BigInt(accounts),
      p1: BigInt(transfers),
      p2: BigInt(transfers),
      all: BigInt(2 * transfers),
    });
  });
}
