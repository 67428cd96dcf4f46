/**
 * Direct I/O in a durable engine: slot contents go to and come from the slot files with O_DIRECT (those outside
 * pooled, page-aligned buffers through a pooled copy), and an engine using the page cache on the same files reads
 * what it wrote, and the other way round.
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

test('a durable engine moves every slot content with O_DIRECT, and a page-cache engine reads what it wrote and back', async (t) => {
  const dir = await tempDir(t);
  const engine = await openEngine(t, { dir, durable: true });
  const id = cid(9, 0);
  const whole = { offset: 0, length: 64 * KiB };
  const direct = (): { written: number; read: number } => ({
    written: engine.metrics.get('storage.chunk.direct_write_bytes'),
    read: engine.metrics.get('storage.chunk.direct_read_bytes'),
  });

  // 3000 bytes from a pooled buffer: written direct, rounded to a 4 KiB block inside its 4 KiB slot.
  const v1 = payload(1, 3000);
  await engine.write(id, writeOf(0, pooled(v1), 1));
  await engine.commit(id, { updateVer: 1 });
  assert.deepEqual(direct(), { written: 3000, read: 0 });
  assert.deepEqual((await engine.read(id, { ...whole, into: readInto })).data, v1, 'read into a pooled buffer');
  assert.deepEqual((await engine.read(id, whole)).data, v1, 'read into a buffer of its own (through a pooled copy)');
  assert.deepEqual(direct(), { written: 3000, read: 6000 });

  // A partial write builds its new version in a buffer of its own: it goes direct through a pooled copy too.
  await engine.write(id, writeOf(100, Buffer.from('laid over it'), 2));
  await engine.commit(id, { updateVer: 2 });
  const v2 = Buffer.from(v1);
  v2.write('laid over it', 100);
  assert.equal(direct().written, 6000);
  const got = await engine.read(id, { ...whole, into: readInto });
  assert.deepEqual(got.data, v2);
  assert.equal(got.crc32c, crc32c(v2));
  await engine.close();

  // The same target through the page cache: it reads what direct I/O wrote, and writes a version of its own.
  const cached = await openEngine(t, { dir, durable: true, directIo: false });
  assert.deepEqual((await cached.read(id, whole)).data, v2);
  const v3 = payload(3, 64 * KiB);
  await cached.write(id, writeOf(0, pooled(v3), 3));
  await cached.commit(id, { updateVer: 3 });
  assert.equal(cached.metrics.get('storage.chunk.direct_write_bytes'), 0);
  await cached.close();

  // And back to direct I/O: recovery and reads see the page-cache engine's version.
  const reopened = await openEngine(t, { dir, durable: true });
  assert.deepEqual((await reopened.read(id, { ...whole, into: readInto })).data, v3);
  assert.equal(reopened.metrics.get('storage.chunk.direct_read_bytes') >= 64 * KiB, true);
});

test('an engine that is not durable leaves direct I/O off unless asked', async (t) => {
  const engine = await openEngine(t, { durable: false });
  await engine.write(cid(9, 1), writeOf(0, pooled(payload(4, 8 * KiB)), 1));
  assert.equal(engine.metrics.get('storage.chunk.direct_write_bytes'), 0);
  const asked = await openEngine(t, { durable: false, directIo: true });
  await asked.write(cid(9, 2), writeOf(0, pooled(payload(5, 8 * KiB)), 1));
  assert.equal(asked.metrics.get('storage.chunk.direct_write_bytes'), 8 * KiB);
});
