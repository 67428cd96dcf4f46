import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasCode } from '../../infra/errors.ts';
import type { ChunkEngine } from './chunk-engine.ts';
import { fileName } from './slot-files.ts';
import { cid, KiB, openEngine, payload, tempDir, writeOf } from './test-kit.ts';
import type { ChunkId } from './types.ts';

/** Flips one byte of a chunk's committed content in its data file, behind the engine's back. */
async function corruptByte(engine: ChunkEngine, id: ChunkId, offset: number): Promise<void> {
  const slot = engine.stat(id)?.slot;
  assert.ok(slot);
  const size = engine.layout.sizeClasses[slot.sizeClass]!;
  const fh = await open(join(engine.dir, 'data', fileName(engine.layout, slot.sizeClass, slot.file)), 'r+');
  try {
    const one = Buffer.alloc(1);
    await fh.read(one, 0, 1, slot.index * size + offset);
    one[0] = one[0]! ^ 0xff;
    await fh.write(one, 0, 1, slot.index * size + offset);
  } finally {
    await fh.close();
  }
}

test('a byte corrupted on disk fails the read with STORAGE_CHECKSUM_MISMATCH, for whole and partial reads', async (t) => {
  const engine = await openEngine(t, { dir: await tempDir(t) });
  const id = cid(30, 0);
  const data = payload(1, 10 * KiB);
  await engine.write(id, writeOf(0, data, 1));
  await engine.commit(id, { updateVer: 1 });
  assert.equal((await engine.read(id, { offset: 0, length: data.length })).crc32c, crc32c(data));

  await corruptByte(engine, id, 7000);
  for (const range of [{ offset: 0, length: data.length }, { offset: 0, length: 10 }]) {
    await assert.rejects(engine.read(id, range), (err) => {
      assert.ok(hasCode(err, 'STORAGE_CHECKSUM_MISMATCH'));
      assert.equal(err.context['commitVer'], 1);
      assert.equal(err.context['expected'], crc32c(data));
      return true;
    });
  }
  assert.equal(engine.metrics.get('storage.chunk.checksum_failures'), 2);
});

test('a partial write refuses to build on corrupted content; a full-chunk resync repairs it', async (t) => {
  const engine = await openEngine(t);
  const id = cid(30, 1);
  await engine.write(id, writeOf(0, payload(2, 3000), 1));
  await engine.commit(id, { updateVer: 1 });
  await corruptByte(engine, id, 0);

  await assert.rejects(engine.write(id, writeOf(10, Buffer.from('abc'), 2)), (err) => hasCode(err, 'STORAGE_CHECKSUM_MISMATCH'));
  assert.equal(engine.stat(id)?.pending, null, 'nothing staged');
  assert.equal(engine.spaceInfo().usedBytes, 4 * KiB, 'the reserved slot went back');

  const good = payload(3, 3000);
  await engine.applyFull(id, { data: good, crc32c: crc32c(good), commitVer: 1, chainVer: 2 });
  assert.deepEqual((await engine.read(id, { offset: 0, length: 3000 })).data, good);
});
