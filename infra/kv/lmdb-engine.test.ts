import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { latch } from './conformance-helpers.ts';
import { LmdbKvEngine } from './lmdb-engine.ts';
import { decodeLogEntry, encodeLogEntry, openLmdbLayout } from './lmdb-layout.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'firepond-lmdb-'));
}

test('commits survive closing and reopening the environment', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await LmdbKvEngine.open({ path: dir });
  await first.transact(async (tx) => {
    tx.set(Buffer.from('k'), Buffer.from('v'));
    tx.atomicAdd(Buffer.from('n'), 3n);
  });
  await first.close();
  await first.close(); // idempotent
  await assert.rejects(first.transact(async () => undefined), (err) => hasCode(err, 'KV_ENGINE_UNAVAILABLE'));
  const second = await LmdbKvEngine.open({ path: dir });
  t.after(() => second.close());
  const [v, n, version] = await second.transact(async (tx) =>
    Promise.all([tx.get(Buffer.from('k')), tx.get(Buffer.from('n')), tx.getReadVersion()]));
  assert.equal(v?.toString(), 'v');
  assert.equal(n?.readBigInt64LE(0), 3n);
  assert.equal(version, 1n);
});

test('the commit log is pruned past the retention, and a transaction reading before the pruned part is too old', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Two handles on one environment, as two processes would have, with clocks 30 s apart.
  const now = 1_000_000;
  const early = await LmdbKvEngine.open({ path: dir, clock: () => now });
  t.after(() => early.close());
  const late = await LmdbKvEngine.open({ path: dir, clock: () => now + 30_000 });
  t.after(() => late.close());
  for (let i = 0; i < 2; i++) await early.transact(async (tx) => tx.set(Buffer.from(`k${i}`), Buffer.from('v')));

  // Reads at version 2. Commit 3 touches nothing it read, so only the pruning can stop it.
  const hasRead = latch();
  const pruned = latch();
  const stale = early.transact(async (tx) => {
    await tx.get(Buffer.from('k0'));
    hasRead.open();
    await pruned.promise;
    tx.set(Buffer.from('k0'), Buffer.from('stale'));
  }, { maxRetries: 0 });
  await hasRead.promise;
  await early.transact(async (tx) => tx.set(Buffer.from('k2'), Buffer.from('v')));
  // The late clock sees the first commits as older than the retention (2 × 5 s) and prunes them.
  await late.transact(async (tx) => tx.set(Buffer.from('other'), Buffer.from('x')));
  pruned.open();
  await assert.rejects(stale, (err) => hasCode(err, 'KV_TOO_OLD'));

  const layout = openLmdbLayout({ path: dir, maxReaders: 16 });
  t.after(() => layout.root.close());
  const versions = Array.from(layout.log.getRange({}), (e) => e.key.readBigUInt64BE(0));
  assert.deepEqual(versions, [4n]);
  assert.equal(layout.meta.get(Buffer.from('pruned'))?.readBigUInt64BE(0), 3n);
  // Nothing of the stale transaction was written; a fresh one goes through.
  assert.equal((await early.transact((tx) => tx.get(Buffer.from('k0'))))?.toString(), 'v');
});

test('log entries round-trip through their encoding', () => {
  const entry = {
    committedAt: 1_700_000_000_123,
    writes: [
      { begin: Buffer.from(''), end: Buffer.from([0]) },
      { begin: Buffer.from('abc'), end: Buffer.from('abd') },
    ],
  };
  const decoded = decodeLogEntry(encodeLogEntry(entry));
  assert.equal(decoded.committedAt, entry.committedAt);
  assert.deepEqual(decoded.writes.map((r) => [r.begin.toString('hex'), r.end.toString('hex')]), [['', '00'], ['616263', '616264']]);
});
