import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../infra/errors.ts';
import { ChunkEngine } from './chunk-engine.ts';
import { cid, KiB, openEngine, payload, replaceOf, SMALL_LAYOUT, tempDir, writeOf } from './test-kit.ts';

const whole = { offset: 0, length: 64 * KiB };

test('a new chunk is pending until committed, then reads back with its checksum', async (t) => {
  const engine = await openEngine(t);
  const id = cid(7, 0);
  const data = payload(1, 3000);

  const staged = await engine.write(id, writeOf(0, data, 1, 5));
  assert.equal(staged.outcome, 'PENDING');
  assert.deepEqual(
    { state: staged.meta?.state, updateVer: staged.meta?.updateVer, commitVer: staged.meta?.commitVer, chainVer: staged.meta?.chainVer },
    { state: 'PENDING', updateVer: 1, commitVer: 0, chainVer: 5 },
  );
  const before = await engine.read(id, whole);
  assert.deepEqual({ length: before.data.length, state: before.state, commitVer: before.commitVer, updateVer: before.updateVer }, { length: 0, state: 'PENDING', commitVer: 0, updateVer: 1 });

  const committed = await engine.commit(id, { updateVer: 1 });
  assert.equal(committed.outcome, 'COMMITTED');
  const after = await engine.read(id, whole);
  assert.deepEqual(after.data, data);
  assert.equal(after.crc32c, crc32c(data));
  assert.deepEqual({ state: after.state, commitVer: after.commitVer, chunkLength: after.chunkLength, chainVer: after.chainVer }, { state: 'COMMIT', commitVer: 1, chunkLength: 3000, chainVer: 5 });
});

test('copy-on-write: the old content stays readable from its own slot until the new version commits', async (t) => {
  const engine = await openEngine(t);
  const id = cid(7, 1);
  const v1 = payload(2, 4000);
  await engine.write(id, writeOf(0, v1, 1));
  await engine.commit(id, { updateVer: 1 });
  const slotV1 = engine.stat(id)?.slot;

  const patch = Buffer.from('PATCHED');
  const staged = await engine.write(id, writeOf(100, patch, 2));
  assert.deepEqual(staged.meta?.slot, slotV1, 'the committed slot is untouched');
  assert.notDeepEqual(staged.meta?.pending?.slot, slotV1, 'the pending version has its own slot');

  const during = await engine.read(id, whole);
  assert.deepEqual(during.data, v1);
  assert.deepEqual({ commitVer: during.commitVer, updateVer: during.updateVer, state: during.state }, { commitVer: 1, updateVer: 2, state: 'PENDING' });

  await engine.commit(id, { updateVer: 2 });
  const expected = Buffer.from(v1);
  patch.copy(expected, 100);
  const after = await engine.read(id, whole);
  assert.deepEqual(after.data, expected);
  assert.equal(after.crc32c, crc32c(expected));
  assert.deepEqual({ commitVer: after.commitVer, state: after.state }, { commitVer: 2, state: 'COMMIT' });
});

test('partial writes: overwrite inside, append, and a write past the end leaves a zero gap', async (t) => {
  const engine = await openEngine(t);
  const id = cid(8, 0);
  const model = Buffer.alloc(10_000);
  const steps: [number, Buffer][] = [
    [0, payload(3, 1000)], // new chunk
    [500, payload(4, 200)], // inside
    [1000, payload(5, 1000)], // append (checksum extended, not recomputed)
    [5000, payload(6, 100)], // past the end: 2000..5000 reads as zeros
  ];
  let end = 0;
  for (const [i, [offset, data]] of steps.entries()) {
    await engine.write(id, writeOf(offset, data, i + 1));
    await engine.commit(id, { updateVer: i + 1 });
    data.copy(model, offset);
    end = Math.max(end, offset + data.length);
    const got = await engine.read(id, whole);
    assert.deepEqual(got.data, model.subarray(0, end), `after step ${i + 1}`);
    assert.equal(engine.stat(id)?.crc32c, crc32c(model.subarray(0, end)));
  }
  const range = await engine.read(id, { offset: 4990, length: 20 });
  assert.deepEqual(range.data, model.subarray(4990, 5010));
  assert.equal(range.crc32c, crc32c(model.subarray(4990, 5010)));
  const pastEnd = await engine.read(id, { offset: 5050, length: 1000 });
  assert.deepEqual(pastEnd.data, model.subarray(5050, 5100), 'a read past the end is short');
});

test('versions: stale updates change nothing, a retry replaces its pending version, skipped versions need a full chunk', async (t) => {
  const engine = await openEngine(t);
  const id = cid(9, 0);
  await engine.write(id, writeOf(0, payload(7, 100), 1));
  await engine.commit(id, { updateVer: 1 });

  const stale = await engine.write(id, writeOf(0, payload(8, 100), 1));
  assert.equal(stale.outcome, 'STALE');
  assert.equal(engine.stat(id)?.pending, null);
  assert.equal((await engine.commit(id, { updateVer: 1 })).outcome, 'STALE', 'a repeated commit');

  await engine.write(id, writeOf(0, payload(9, 100), 2));
  const firstPendingSlot = engine.stat(id)?.pending?.slot;
  const retry = await engine.write(id, writeOf(0, payload(10, 100), 2));
  assert.equal(retry.outcome, 'PENDING');
  assert.notDeepEqual(retry.meta?.pending?.slot, firstPendingSlot);
  assert.equal(engine.metrics.get('storage.chunk.slots_freed'), 1, 'the replaced pending version gave its slot back');

  await assert.rejects(engine.write(id, writeOf(0, payload(11, 10), 4)), (err) => hasCode(err, 'INVALID_ARGUMENT'));
  await assert.rejects(engine.commit(id, { updateVer: 3 }), (err) => hasCode(err, 'INVALID_ARGUMENT'));

  const full = payload(12, 300);
  const replaced = await engine.replace(id, replaceOf(full, 4));
  assert.deepEqual({ outcome: replaced.outcome, updateVer: replaced.meta?.updateVer }, { outcome: 'PENDING', updateVer: 4 });
  await engine.commit(id, { updateVer: 4 });
  assert.deepEqual((await engine.read(id, whole)).data, full);
  assert.equal(engine.metrics.get('storage.chunk.stale_updates'), 1);
});

test('data whose checksum does not match what the writer sent is refused before anything is stored', async (t) => {
  const engine = await openEngine(t);
  const id = cid(10, 0);
  const data = payload(13, 500);
  await assert.rejects(engine.write(id, { ...writeOf(0, data, 1), crc32c: crc32c(data) ^ 1 }), (err) => hasCode(err, 'STORAGE_CHECKSUM_MISMATCH'));
  assert.equal(engine.stat(id), null);
  assert.equal(engine.spaceInfo().usedBytes, 0);
});

test('truncate shrinks or zero-extends as a pending version', async (t) => {
  const engine = await openEngine(t);
  const id = cid(11, 0);
  const data = payload(14, 6000);
  await engine.write(id, writeOf(0, data, 1));
  await engine.commit(id, { updateVer: 1 });

  await engine.truncate(id, { length: 2500, updateVer: 2, chainVer: 1 });
  assert.deepEqual((await engine.read(id, whole)).data, data, 'unchanged until commit');
  await engine.commit(id, { updateVer: 2 });
  assert.deepEqual((await engine.read(id, whole)).data, data.subarray(0, 2500));
  assert.equal(engine.stat(id)?.slot?.sizeClass, 0, 'the shorter content moved to the smaller class');

  await engine.truncate(id, { length: 5000, updateVer: 3, chainVer: 1 });
  await engine.commit(id, { updateVer: 3 });
  const extended = Buffer.concat([data.subarray(0, 2500), Buffer.alloc(2500)]);
  const got = await engine.read(id, whole);
  assert.deepEqual(got.data, extended);
  assert.equal(got.crc32c, crc32c(extended));

  await engine.truncate(id, { length: 0, updateVer: 4, chainVer: 1 });
  await engine.commit(id, { updateVer: 4 });
  assert.deepEqual({ length: engine.stat(id)?.length, slot: engine.stat(id)?.slot }, { length: 0, slot: null });
  assert.equal(engine.spaceInfo().usedBytes, 0);
});

test('remove is a pending tombstone: reads see the data until the commit deletes the chunk', async (t) => {
  const engine = await openEngine(t);
  const id = cid(12, 0);
  const data = payload(15, 1234);
  await engine.write(id, writeOf(0, data, 1));
  await engine.commit(id, { updateVer: 1 });

  const staged = await engine.remove(id, { updateVer: 2, chainVer: 1 });
  assert.deepEqual({ outcome: staged.outcome, kind: staged.meta?.pending?.kind }, { outcome: 'PENDING', kind: 'REMOVE' });
  const during = await engine.read(id, whole);
  assert.deepEqual({ data: during.data, state: during.state }, { data, state: 'PENDING' });

  const committed = await engine.commit(id, { updateVer: 2 });
  assert.deepEqual(committed, { outcome: 'COMMITTED', meta: null });
  await assert.rejects(engine.read(id, whole), (err) => hasCode(err, 'STORAGE_CHUNK_NOT_FOUND'));
  assert.equal(engine.stat(id), null);
  assert.equal(engine.spaceInfo().usedBytes, 0);
  assert.deepEqual(await engine.remove(id, { updateVer: 3, chainVer: 1 }), { outcome: 'STALE', meta: null }, 'removing a missing chunk');
  assert.deepEqual(await engine.commit(id, { updateVer: 2 }), { outcome: 'STALE', meta: null }, 'a repeated commit of the remove');
});

test('applyFull installs a committed version over committed and pending ones; applyRemove deletes at once', async (t) => {
  const engine = await openEngine(t);
  const id = cid(13, 0);
  await engine.write(id, writeOf(0, payload(16, 100), 1));
  await engine.commit(id, { updateVer: 1 });
  await engine.write(id, writeOf(0, payload(17, 100), 2));

  const full = payload(18, 20 * KiB);
  const meta = await engine.applyFull(id, { data: full, crc32c: crc32c(full), commitVer: 9, chainVer: 3 });
  assert.deepEqual({ state: meta.state, commitVer: meta.commitVer, updateVer: meta.updateVer, chainVer: meta.chainVer, length: meta.length }, {
    state: 'COMMIT',
    commitVer: 9,
    updateVer: 9,
    chainVer: 3,
    length: 20 * KiB,
  });
  assert.deepEqual((await engine.read(id, whole)).data, full);
  assert.equal(engine.spaceInfo().usedBytes, 64 * KiB, 'only the new 64 KiB slot remains in use');

  assert.equal(await engine.applyRemove(id), true);
  assert.equal(await engine.applyRemove(id), false);
  assert.equal(engine.spaceInfo().usedBytes, 0);
});

test('metrics count operations and bytes', async (t) => {
  const engine = await openEngine(t);
  const id = cid(14, 0);
  await engine.write(id, writeOf(0, payload(19, 1000), 1));
  await engine.commit(id, { updateVer: 1 });
  await engine.write(id, writeOf(1000, payload(20, 500), 2));
  await engine.commit(id, { updateVer: 2 });
  await engine.read(id, { offset: 0, length: 700 });
  const m = engine.metrics.snapshot();
  assert.equal(m['storage.chunk.writes'], 2);
  assert.equal(m['storage.chunk.write_bytes'], 1500);
  assert.equal(m['storage.chunk.commits'], 2);
  assert.equal(m['storage.chunk.reads'], 1);
  assert.equal(m['storage.chunk.read_bytes'], 700);
  assert.equal(m['storage.chunk.slots_allocated'], 2);
  assert.equal(m['storage.chunk.slots_freed'], 1);
});

test('lifecycle: close is idempotent, closed engines refuse work, one engine per directory, the layout is kept', async (t) => {
  const dir = await tempDir(t);
  const engine = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: false });
  await assert.rejects(ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: false }), (err) => hasCode(err, 'INVALID_ARGUMENT'));
  const id = cid(15, 0);
  await engine.write(id, writeOf(0, payload(21, 100), 1));
  await engine.commit(id, { updateVer: 1 });
  await Promise.all([engine.close(), engine.close()]);
  await engine.close();
  await assert.rejects(engine.read(id, whole), (err) => hasCode(err, 'SERVER_UNAVAILABLE'));

  const reopened = await ChunkEngine.open(dir, { sizeClasses: [1024 * KiB], durable: false });
  t.after(() => reopened.close());
  assert.deepEqual(reopened.layout.sizeClasses, SMALL_LAYOUT.sizeClasses, 'the recorded layout wins over options');
  assert.deepEqual((await reopened.read(id, whole)).data, payload(21, 100));
});
