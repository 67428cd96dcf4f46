/**
 * Direct I/O in a durable engine: contents in pooled (page-aligned) buffers go to and come from the slot files with
 * O_DIRECT, everything else through the page cache, and each path sees what the other wrote.
 */
import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool } from '../../infra/rpc/index.ts';
import { cid, KiB, openEngine, payload, tempDir, writeOf } from './test-kit.ts';

const pool = new BufferPool();

/** `data` copied into a pooled buffer, as the storage service receives a write's payload. */
function pooled(data: Buffer): Buffer {
  const lease = pool.acquire(data.length);
  data.copy(lease.bytes);
  return lease.bytes;
}

const readInto = (length: number): Buffer => pool.acquire(length).bytes;

test('pooled contents move with O_DIRECT, others through the page cache, and each reads what the other wrote', async (t) => {
  const dir = await tempDir(t);
  const engine = await openEngine(t, { dir, durable: true });
  const id = cid(9, 0);
  const whole = { offset: 0, length: 64 * KiB };

  // 3000 bytes from a pooled buffer: written direct, rounded to a 4 KiB block inside its 4 KiB slot.
  const v1 = payload(1, 3000);
  await engine.write(id, writeOf(0, pooled(v1), 1));
  await engine.commit(id, { updateVer: 1 });
  assert.equal(engine.metrics.get('storage.chunk.direct_write_bytes'), 3000);
  assert.deepEqual((await engine.read(id, { ...whole, into: readInto })).data, v1, 'direct read of a direct write');
  assert.equal(engine.metrics.get('storage.chunk.direct_read_bytes'), 3000);
  assert.deepEqual((await engine.read(id, whole)).data, v1, 'page-cache read of a direct write');

  // A partial write builds a new buffer of its own: through the page cache; a direct read sees it.
  await engine.write(id, writeOf(100, Buffer.from('through the page cache'), 2));
  await engine.commit(id, { updateVer: 2 });
  assert.equal(engine.metrics.get('storage.chunk.direct_write_bytes'), 3000);
  const v2 = Buffer.from(v1);
  v2.write('through the page cache', 100);
  const direct = await engine.read(id, { ...whole, into: readInto });
  assert.deepEqual(direct.data, v2, 'direct read of a page-cache write');
  assert.equal(direct.crc32c, crc32c(v2));

  // A whole 64 KiB overwrite from a pooled buffer, then the target reopened: recovery and reads see it.
  const v3 = payload(3, 64 * KiB);
  await engine.write(id, writeOf(0, pooled(v3), 3));
  await engine.commit(id, { updateVer: 3 });
  assert.equal(engine.metrics.get('storage.chunk.direct_write_bytes'), 3000 + 64 * KiB);
  await engine.close();
  const reopened = await openEngine(t, { dir, durable: true });
  assert.deepEqual((await reopened.read(id, whole)).data, v3);
  assert.deepEqual((await reopened.read(id, { ...whole, into: readInto })).data, v3);
});

test('an engine that is not durable leaves direct I/O off unless asked', async (t) => {
  const engine = await openEngine(t, { durable: false });
  await engine.write(cid(9, 1), writeOf(0, pooled(payload(4, 8 * KiB)), 1));
  assert.equal(engine.metrics.get('storage.chunk.direct_write_bytes'), 0);
  const asked = await openEngine(t, { durable: false, directIo: true });
  await asked.write(cid(9, 2), writeOf(0, pooled(payload(5, 8 * KiB)), 1));
  assert.equal(asked.metrics.get('storage.chunk.direct_write_bytes'), 8 * KiB);
});
