import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ChunkEngine } from './chunk-engine.ts';
import type { EngineOp, EngineStep } from './faults.ts';
import { MetaStore } from './meta-store.ts';
import type { RecoveryReport } from './recover.ts';
import { fileName } from './slot-files.ts';
import { cid, CrashSwitch, KiB, payload, replaceOf, SimulatedCrash, SMALL_LAYOUT, tempDir, writeOf } from './test-kit.ts';

const A = cid(40, 0);
const X = payload(1, 4000);
const Y = payload(2, 3000);
const whole = { offset: 0, length: 64 * KiB };
const CLEAN: RecoveryReport = { chunks: 1, pendingKept: 0, pendingDropped: 0, orphanSlotsFreed: 0, unmarkedSlotsClaimed: 0, filesExtended: 0 };

/**
 * Commits X as version 1 of chunk A, runs `prepare` (no crash), then `run` with a crash injected at (op, step),
 * closes (writes nothing, like a dead process) and reopens without faults.
 */
async function crashAndReopen(
  t: TestContext,
  spec: {
    op: EngineOp;
    step: EngineStep;
    prepare?: (engine: ChunkEngine) => Promise<unknown>;
    run: (engine: ChunkEngine) => Promise<unknown>;
  },
): Promise<ChunkEngine> {
  const dir = await tempDir(t);
  const crash = new CrashSwitch();
  const engine = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: true, faults: crash });
  await engine.write(A, writeOf(0, X, 1));
  await engine.commit(A, { updateVer: 1 });
  await spec.prepare?.(engine);
  crash.arm(spec.op, spec.step);
  await assert.rejects(spec.run(engine), SimulatedCrash);
  assert.equal(crash.fired, 1);
  await engine.close();
  const reopened = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: true });
  t.after(() => reopened.close());
  return reopened;
}

async function assertCommitted(engine: ChunkEngine, data: Buffer, commitVer: number): Promise<void> {
  const got = await engine.read(A, whole);
  assert.deepEqual({ data: got.data, crc32c: got.crc32c, commitVer: got.commitVer, state: got.state }, { data, crc32c: crc32c(data), commitVer, state: 'COMMIT' });
}

for (const step of ['slot-write', 'metadata-write'] as const) {
  test(`write crashing at ${step}: the committed version stands and the written slot is free again`, async (t) => {
    const engine = await crashAndReopen(t, { op: 'write', step, run: (e) => e.write(A, writeOf(0, Y, 2)) });
    assert.deepEqual(engine.recovery, CLEAN);
    await assertCommitted(engine, X, 1);
    assert.equal(engine.spaceInfo().usedBytes, 4 * KiB);
    const retried = await engine.write(A, writeOf(0, Y, 2));
    assert.deepEqual(retried.meta?.pending?.slot, { sizeClass: 0, file: 0, index: 1 }, 'the slot the crashed write used is handed out again');
  });
}

test('write crashing after its metadata: the pending version survives for the chain to commit', async (t) => {
  const engine = await crashAndReopen(t, { op: 'write', step: 'metadata-written', run: (e) => e.write(A, writeOf(0, Y, 2)) });
  assert.deepEqual(engine.recovery, { ...CLEAN, pendingKept: 1 });
  const during = await engine.read(A, whole);
  assert.deepEqual({ data: during.data, state: during.state, updateVer: during.updateVer }, { data: X, state: 'PENDING', updateVer: 2 });
  assert.equal(engine.spaceInfo().usedBytes, 8 * KiB);
  await engine.commit(A, { updateVer: 2 });
  const merged = Buffer.from(X);
  Y.copy(merged, 0);
  await assertCommitted(engine, merged, 2);
  assert.equal(engine.spaceInfo().usedBytes, 4 * KiB);
});

test('commit crashing before its transaction leaves the version pending; after it, committed with the old slot free', async (t) => {
  const stage = (e: ChunkEngine) => e.replace(A, replaceOf(Y, 2));
  const before = await crashAndReopen(t, { op: 'commit', step: 'metadata-write', prepare: stage, run: (e) => e.commit(A, { updateVer: 2 }) });
  assert.deepEqual(before.recovery, { ...CLEAN, pendingKept: 1 });
  assert.equal(before.stat(A)?.state, 'PENDING');
  await before.commit(A, { updateVer: 2 });
  await assertCommitted(before, Y, 2);

  const after = await crashAndReopen(t, { op: 'commit', step: 'metadata-written', prepare: stage, run: (e) => e.commit(A, { updateVer: 2 }) });
  assert.deepEqual(after.recovery, CLEAN);
  await assertCommitted(after, Y, 2);
  assert.equal(after.spaceInfo().usedBytes, 4 * KiB);
  assert.equal((await after.commit(A, { updateVer: 2 })).outcome, 'STALE', 'the chain retrying the commit');
});

test('remove crashing before or after its transaction: unchanged, or a pending tombstone', async (t) => {
  const run = (e: ChunkEngine) => e.remove(A, { updateVer: 2, chainVer: 1 });
  const before = await crashAndReopen(t, { op: 'remove', step: 'metadata-write', run });
  await assertCommitted(before, X, 1);

  const after = await crashAndReopen(t, { op: 'remove', step: 'metadata-written', run });
  assert.deepEqual(after.recovery, { ...CLEAN, pendingKept: 1 });
  assert.equal(after.stat(A)?.pending?.kind, 'REMOVE');
  await after.commit(A, { updateVer: 2 });
  assert.equal(after.stat(A), null);
  assert.equal(after.spaceInfo().usedBytes, 0);
});

test('truncate crashing after its transaction keeps the truncated pending version', async (t) => {
  const engine = await crashAndReopen(t, { op: 'truncate', step: 'metadata-written', run: (e) => e.truncate(A, { length: 100, updateVer: 2, chainVer: 1 }) });
  assert.equal(engine.stat(A)?.pending?.length, 100);
  await engine.commit(A, { updateVer: 2 });
  await assertCommitted(engine, X.subarray(0, 100), 2);
});

test('applyFull and applyRemove crashing before their transaction change nothing; after it they are complete', async (t) => {
  const full = payload(3, 20 * KiB);
  const applyFull = (e: ChunkEngine) => e.applyFull(A, { data: full, crc32c: crc32c(full), commitVer: 5, chainVer: 2 });
  const before = await crashAndReopen(t, { op: 'apply-full', step: 'metadata-write', run: applyFull });
  await assertCommitted(before, X, 1);
  assert.equal(before.spaceInfo().usedBytes, 4 * KiB);

  const after = await crashAndReopen(t, { op: 'apply-full', step: 'metadata-written', prepare: (e) => e.write(A, writeOf(0, Y, 2)), run: applyFull });
  assert.deepEqual(after.recovery, CLEAN);
  await assertCommitted(after, full, 5);
  assert.equal(after.spaceInfo().usedBytes, 64 * KiB, 'the committed and the pending slots were both freed');

  const removed = await crashAndReopen(t, { op: 'apply-remove', step: 'metadata-written', run: (e) => e.applyRemove(A) });
  assert.deepEqual(removed.recovery, { ...CLEAN, chunks: 0 });
  assert.equal(removed.stat(A), null);
});

test('growth crashing after the file grew: the new group is free space, used without growing again', async (t) => {
  const B = cid(40, 1);
  const engine = await crashAndReopen(t, { op: 'grow', step: 'file-grown', run: (e) => e.write(B, writeOf(0, payload(4, 20 * KiB), 1)) });
  assert.equal(engine.stat(B), null);
  const bytes = engine.spaceInfo().fileBytes;
  const staged = await engine.write(B, writeOf(0, payload(4, 20 * KiB), 1));
  assert.deepEqual(staged.meta?.pending?.slot, { sizeClass: 2, file: 0, index: 0 });
  assert.equal(engine.spaceInfo().fileBytes, bytes);
});

test('growth crashing inside ftruncate leaves the class as it was', async (t) => {
  const B = cid(40, 1);
  const engine = await crashAndReopen(t, { op: 'grow', step: 'file-grow', run: (e) => e.write(B, writeOf(0, payload(4, 20 * KiB), 1)) });
  assert.equal(engine.stat(B), null);
  await engine.write(B, writeOf(0, payload(4, 20 * KiB), 1));
  assert.deepEqual(engine.stat(B)?.pending?.slot, { sizeClass: 2, file: 0, index: 0 });
});

test('bitmaps that disagree with the records are repaired at open: orphans freed, unmarked slots claimed', async (t) => {
  const dir = await tempDir(t);
  const engine = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: false });
  await engine.write(A, writeOf(0, X, 1));
  await engine.commit(A, { updateVer: 1 }); // slot 0 of 4K.000
  await engine.close();

  // Behind the engine's back: mark slots 5 and 6 in use (orphans) and slot 0 free (its record still names it).
  const store = MetaStore.open(join(dir, 'meta.mdb'), { durable: false });
  await store.transact((txn) => txn.putBitmap({ sizeClass: 0, file: 0, group: 0 }, Uint8Array.from([0b0110_0000, 0])));
  await store.close();

  const reopened = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: false });
  t.after(() => reopened.close());
  assert.deepEqual(reopened.recovery, { ...CLEAN, orphanSlotsFreed: 2, unmarkedSlotsClaimed: 1 });
  assert.equal(reopened.spaceInfo().usedBytes, 4 * KiB);
  const B = cid(40, 1);
  await reopened.write(B, writeOf(0, Y, 1));
  assert.deepEqual(reopened.stat(B)?.pending?.slot, { sizeClass: 0, file: 0, index: 1 }, 'slot 0 stays with its chunk');
  await assertCommitted(reopened, X, 1);
});

test('a pending version whose data never reached the disk is dropped at open (possible only without durable)', async (t) => {
  const dir = await tempDir(t);
  const engine = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: false });
  await engine.write(A, writeOf(0, X, 1));
  await engine.commit(A, { updateVer: 1 });
  await engine.write(A, writeOf(0, Y, 2));
  const pending = engine.stat(A)?.pending?.slot;
  assert.ok(pending);
  await engine.close();
  // The page cache lost the slot write: zeros where the pending content should be.
  const fh = await open(join(dir, 'data', fileName(engine.layout, pending.sizeClass, pending.file)), 'r+');
  await fh.write(Buffer.alloc(4 * KiB), 0, 4 * KiB, pending.index * 4 * KiB);
  await fh.close();

  const reopened = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: false });
  t.after(() => reopened.close());
  assert.deepEqual(reopened.recovery, { ...CLEAN, pendingDropped: 1 });
  assert.equal(reopened.stat(A)?.pending, null);
  await assertCommitted(reopened, X, 1);
  assert.equal(reopened.spaceInfo().usedBytes, 4 * KiB);
});

test('a data file shorter than its slots in use is extended at open, and the damage shows as a checksum failure', async (t) => {
  const dir = await tempDir(t);
  const engine = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: false });
  await engine.write(A, writeOf(0, X, 1));
  await engine.commit(A, { updateVer: 1 });
  await engine.close();
  const path = join(dir, 'data', '4K.000');
  const fh = await open(path, 'r+');
  await fh.truncate(0);
  await fh.close();

  const reopened = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: false });
  t.after(() => reopened.close());
  assert.deepEqual(reopened.recovery, { ...CLEAN, filesExtended: 1 });
  assert.equal((await stat(path)).size, 64 * KiB);
  await assert.rejects(reopened.read(A, whole), (err) => (err as { code?: string }).code === 'STORAGE_CHECKSUM_MISMATCH');
});
