import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasCode } from '../../infra/errors.ts';
import { createLayout, DEFAULT_SIZE_CLASSES, sizeClassFor } from './layout.ts';
import { MetaStore } from './meta-store.ts';
import { SlotAllocator } from './slot-allocator.ts';
import { SlotFiles } from './slot-files.ts';
import { cid, KiB, openEngine, payload, SMALL_LAYOUT, tempDir, writeOf } from './test-kit.ts';

test('default size classes run 64 KiB … 64 MiB and a length goes to the smallest class that holds it', () => {
  assert.deepEqual(DEFAULT_SIZE_CLASSES.map((s) => s / KiB), [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);
  const layout = createLayout({ sizeClasses: DEFAULT_SIZE_CLASSES, filesPerClass: 4, growthBytes: 64 * 1024 * KiB });
  assert.deepEqual([0, 1, 64 * KiB, 64 * KiB + 1, 1024 * KiB, 64 * 1024 * KiB].map((n) => sizeClassFor(layout, n)), [null, 0, 0, 1, 4, 10]);
  assert.deepEqual(layout.slotsPerGroup, [1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1]);
  assert.throws(() => sizeClassFor(layout, 64 * 1024 * KiB + 1), (err) => hasCode(err, 'INVALID_ARGUMENT'));
});

test('each version lands in the smallest class that fits; oversize writes are refused', async (t) => {
  const engine = await openEngine(t);
  const cases: [number, number][] = [
    [1, 0],
    [4 * KiB, 0],
    [4 * KiB + 1, 1],
    [16 * KiB + 1, 2],
    [64 * KiB, 2],
  ];
  for (const [i, [length, sizeClass]] of cases.entries()) {
    const id = cid(20, i);
    await engine.write(id, writeOf(0, payload(i, length), 1));
    await engine.commit(id, { updateVer: 1 });
    assert.equal(engine.stat(id)?.slot?.sizeClass, sizeClass, `${length} bytes`);
    assert.equal((await engine.read(id, { offset: 0, length })).crc32c, crc32c(payload(i, length)));
  }
  await assert.rejects(engine.write(cid(20, 9), writeOf(64 * KiB - 10, payload(1, 11), 1)), (err) => hasCode(err, 'INVALID_ARGUMENT'));
});

test('the slot a commit frees is the next one handed out', async (t) => {
  const engine = await openEngine(t);
  const a = cid(21, 0);
  await engine.write(a, writeOf(0, payload(1, 1000), 1));
  await engine.commit(a, { updateVer: 1 });
  const first = engine.stat(a)?.slot;
  assert.deepEqual(first, { sizeClass: 0, file: 0, index: 0 });
  await engine.write(a, writeOf(0, payload(2, 1000), 2));
  assert.deepEqual(engine.stat(a)?.pending?.slot, { sizeClass: 0, file: 0, index: 1 });
  await engine.commit(a, { updateVer: 2 });

  const b = cid(21, 1);
  await engine.write(b, writeOf(0, payload(3, 1000), 1));
  assert.deepEqual(engine.stat(b)?.pending?.slot, first, 'reused after commit');
  assert.equal(engine.spaceInfo().usedBytes, 2 * 4 * KiB);
});

test('removed chunks give their slots back, through commit and through applyRemove', async (t) => {
  const engine = await openEngine(t);
  const a = cid(22, 0);
  const b = cid(22, 1);
  for (const id of [a, b]) {
    await engine.write(id, writeOf(0, payload(1, 100), 1));
    await engine.commit(id, { updateVer: 1 });
  }
  const [slotA, slotB] = [engine.stat(a)?.slot, engine.stat(b)?.slot];
  await engine.remove(a, { updateVer: 2, chainVer: 1 });
  await engine.commit(a, { updateVer: 2 });
  await engine.applyRemove(b);
  assert.equal(engine.spaceInfo().usedBytes, 0);

  const c = cid(22, 2);
  const d = cid(22, 3);
  await engine.write(c, writeOf(0, payload(2, 100), 1));
  await engine.write(d, writeOf(0, payload(3, 100), 1));
  assert.deepEqual([engine.stat(c)?.pending?.slot, engine.stat(d)?.pending?.slot], [slotB, slotA], 'last freed, first reused');
});

test('data files grow one group of slots at a time, spread over the class files', async (t) => {
  const dir = await tempDir(t);
  const engine = await openEngine(t, { dir });
  const file0 = join(dir, 'data', '4K.000');
  const file1 = join(dir, 'data', '4K.001');
  // 4 KiB slots, growthBytes 64 KiB: 16 slots a group.
  for (let i = 0; i < 16; i++) await engine.write(cid(23, i), writeOf(0, payload(i, 10), 1));
  assert.equal((await stat(file0)).size, 64 * KiB);
  await assert.rejects(stat(file1), (err) => (err as NodeJS.ErrnoException).code === 'ENOENT');

  await engine.write(cid(23, 16), writeOf(0, payload(16, 10), 1));
  assert.equal((await stat(file1)).size, 64 * KiB, 'the file with fewer groups grows');
  assert.deepEqual(engine.stat(cid(23, 16))?.pending?.slot, { sizeClass: 0, file: 1, index: 0 });
  assert.equal(engine.spaceInfo().fileBytes, 128 * KiB);

  // 64 KiB slots: one slot a group, so every new chunk grows a file.
  for (let i = 0; i < 3; i++) await engine.write(cid(24, i), writeOf(0, payload(i, 20 * KiB), 1));
  assert.deepEqual(
    [0, 1, 2].map((i) => engine.stat(cid(24, i))?.pending?.slot),
    [
      { sizeClass: 2, file: 0, index: 0 },
      { sizeClass: 2, file: 1, index: 0 },
      { sizeClass: 2, file: 0, index: 1 },
    ],
  );
  assert.equal((await stat(join(dir, 'data', '64K.000'))).size, 128 * KiB);
});

test('concurrent writes to one chunk serialize, and concurrent growth hands out distinct slots', async (t) => {
  const engine = await openEngine(t);
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => engine.write(cid(25, i), writeOf(0, payload(i, 100), 1))));
  const slots = new Set(results.map((r) => JSON.stringify(r.meta?.pending?.slot)));
  assert.equal(slots.size, 40);

  const id = cid(25, 100);
  await engine.write(id, writeOf(0, Buffer.alloc(100), 1));
  await engine.commit(id, { updateVer: 1 });
  // Same version twice at once: the second replaces the first; neither sees a half-made record.
  const [x, y] = await Promise.all([engine.write(id, writeOf(0, Buffer.from('x'), 2)), engine.write(id, writeOf(1, Buffer.from('y'), 2))]);
  assert.equal(x.outcome, 'PENDING');
  assert.equal(y.outcome, 'PENDING');
  await engine.commit(id, { updateVer: 2 });
  const got = await engine.read(id, { offset: 0, length: 2 });
  assert.deepEqual(got.data, Buffer.from([0, 'y'.charCodeAt(0)]), 'the later write replaced the earlier pending one');
  assert.equal(engine.spaceInfo().usedBytes, 41 * 4 * KiB, "the replaced pending version's slot was freed, not leaked");
});

test('a freed slot that a read has pinned is reused only after the read ends', async (t) => {
  const dir = await tempDir(t);
  const layout = createLayout(SMALL_LAYOUT);
  const store = MetaStore.open(join(dir, 'meta.mdb'), { durable: false });
  t.after(() => store.close());
  const files = await SlotFiles.open(dir, layout, { durable: false, faults: null });
  t.after(() => files.close());
  const allocator = new SlotAllocator(layout, files, null, null, []);

  const slot = await allocator.reserve(0);
  await store.transact((txn) => allocator.recordInUse(txn, slot));
  allocator.pin(slot);
  await store.transact((txn) => allocator.recordFree(txn, slot));
  allocator.release(slot);
  const other = await allocator.reserve(0);
  assert.notDeepEqual(other, slot, 'still pinned');
  allocator.unreserve(other);
  allocator.unpin(slot);
  assert.deepEqual(await allocator.reserve(0), slot, 'free once unpinned');
});
