/**
 * The data path over the in-memory twin of the storage client: chunk mapping, holes, clipping, lengths and how a
 * failed piece is reported. test/fs-data.test.ts runs the same operations against a real cluster.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode, StorageError } from '../../infra/errors.ts';
import { chainIdOfChunk, decodeChunkId, encodeChunkId, fileChainIds } from '../../infra/mgmtd/index.ts';
import type { RoutingInfo } from '../../infra/mgmtd/index.ts';
import { StaticRoutingSource } from '../../storage/index.ts';
import { defaultLayout } from './default-layout.ts';
import { FileDataClient } from './file-data-client.ts';
import type { FileRef } from './file-chains.ts';
import { MemoryChunkStore } from './memory-chunk-store.ts';

const ROUTING: RoutingInfo = {
  version: 7,
  nodes: [],
  targets: [],
  chains: [],
  chainTables: [{ chainTableId: 1, version: 1, chains: [101, 102, 103] }, { chainTableId: 1, version: 2, chains: [101, 102, 103, 104] }],
};

function setup(maxIoBytes?: number): { fs: FileDataClient; store: MemoryChunkStore; file: FileRef } {
  const store = new MemoryChunkStore();
  const routing = new StaticRoutingSource(ROUTING);
  const fs = new FileDataClient({ storage: store, routing, ...(maxIoBytes === undefined ? {} : { maxIoBytes }) });
  return { fs, store, file: { inodeId: 5n, layout: defaultLayout(ROUTING, { chunkSize: 16, seed: 3 }) } };
}

const pattern = (length: number, salt = 0): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + salt) % 251));

test('defaultLayout takes the newest table, all its chains, and checks what it is given', () => {
  assert.deepEqual(defaultLayout(ROUTING), { chainTableId: 1, tableVersion: 2, chunkSize: 1024 * 1024, stripe: 4, baseIndex: 0, seed: 0 });
  assert.equal(defaultLayout(ROUTING, { tableVersion: 1 }).stripe, 3);
  assert.throws(() => defaultLayout(ROUTING, { chainTableId: 9 }), (e) => hasCode(e, 'INVALID_ARGUMENT') && /chain table 9 is not in routing v7/.test(e.message));
  assert.throws(() => defaultLayout(ROUTING, { stripe: 5 }), (e) => hasCode(e, 'INVALID_ARGUMENT') && /stripe/.test(e.message));
  assert.throws(() => defaultLayout(ROUTING, { chunkSize: 1000 }), (e) => hasCode(e, 'INVALID_ARGUMENT') && /chunkSize/.test(e.message));
});

test('pwrite puts each piece in its chunk on its chain; pread reads it back across chunks', async () => {
  const { fs, store, file } = setup();
  const data = pattern(100);
  assert.equal(await fs.pwrite(file, 10, data), 100);
  const chains = fileChainIds(file.layout, ROUTING.chainTables[1]!);
  const indexes = [...store.chunks.values()].map((c) => decodeChunkId(c.chunkId).chunkIndex).sort((a, b) => a - b);
  assert.deepEqual(indexes, [0, 1, 2, 3, 4, 5, 6]); // bytes [10, 110) with 16-byte chunks
  for (const chunk of store.chunks.values()) {
    assert.equal(chunk.chainId, chainIdOfChunk(chains, decodeChunkId(chunk.chunkId).chunkIndex));
  }
  assert.deepEqual(await fs.pread(file, 10, 100), data);
  assert.deepEqual(await fs.pread(file, 37, 20), data.subarray(27, 47));
  assert.equal(await fs.fileLength(file), 110);
});

test('holes, short chunks and bytes past the end read as zeros; fileLength clips', async () => {
  const { fs, file } = setup();
  await fs.pwrite(file, 3, Buffer.from('abc')); // chunk 0: [3, 6), short
  await fs.pwrite(file, 70, Buffer.from('xy')); // chunk 4: [6, 8); chunks 1-3 are holes
  const got = await fs.pread(file, 0, 100);
  const want = Buffer.alloc(100);
  want.write('abc', 3);
  want.write('xy', 70);
  assert.deepEqual(got, want);
  assert.equal(await fs.fileLength(file), 72);
  assert.deepEqual(await fs.pread(file, 60, 100, { fileLength: 72 }), want.subarray(60, 72));
  assert.equal((await fs.pread(file, 80, 10, { fileLength: 72 })).length, 0);
  assert.equal((await fs.pread(file, 0, 0)).length, 0);
  assert.equal(await fs.fileLength({ inodeId: 6n, layout: file.layout }), 0);
});

test('pread receives pieces in place: bytes an abandoned try left past a short chunk, or in a hole, read as zeros', async () => {
  const { fs, store, file } = setup();
  await fs.pwrite(file, 3, Buffer.from('abc')); // chunk 0: [3, 6), short
  await fs.pwrite(file, 70, Buffer.from('xy')); // chunk 4; chunks 1-3 are holes
  store.abandonedTries = true;
  const want = Buffer.alloc(100);
  want.write('abc', 3);
  want.write('xy', 70);
  assert.deepEqual(await fs.pread(file, 0, 100), want);
  assert.deepEqual(await fs.pread(file, 4, 70), want.subarray(4, 74));
});

test('a failed piece fails the call with its code, naming the file, range and chunk; other pieces are written', async () => {
  const { fs, store, file } = setup();
  store.failOn.set(Buffer.from(encodeChunkId(5n, 2)).toString('hex'), StorageError.NO_SPACE('target 7 is full'));
  await assert.rejects(fs.pwrite(file, 20, pattern(40)), (err) => {
    assert.ok(hasCode(err, 'STORAGE_NO_SPACE'));
    assert.match(err.message, /pwrite of inode 5 at \[20, 60\) failed at chunk 2 on chain \d+, file bytes \[32, 48\): target 7 is full/);
    assert.equal(err.context['chunkIndex'], 2);
    return true;
  });
  store.failOn.clear();
  const got = await fs.pread(file, 20, 40);
  assert.deepEqual(got.subarray(0, 12), pattern(40).subarray(0, 12));
  assert.deepEqual(got.subarray(12, 28), Buffer.alloc(16)); // chunk 2 never written: a hole
  assert.deepEqual(got.subarray(28), pattern(40).subarray(28));

  store.failOn.set(Buffer.from(encodeChunkId(5n, 1)).toString('hex'), StorageError.CHECKSUM_MISMATCH('corrupt'));
  await assert.rejects(fs.pread(file, 0, 64), (err) => hasCode(err, 'STORAGE_CHECKSUM_MISMATCH') && /pread of inode 5 at \[0, 64\) failed at chunk 1/.test(err.message));
});

test('bad input is INVALID_ARGUMENT with a clear message', async () => {
  const { fs, file } = setup(1000);
  const bad = (p: Promise<unknown>, message: RegExp): Promise<void> =>
    assert.rejects(p, (e) => hasCode(e, 'INVALID_ARGUMENT') && message.test(e.message));
  await bad(fs.pwrite(file, -1, Buffer.alloc(1)), /offset must be a non-negative safe integer, got -1/);
  await bad(fs.pread(file, 2 ** 53, 1), /offset/);
  await bad(fs.pread(file, 0, -5), /length must be a non-negative safe integer/);
  await bad(fs.pread(file, 0, 1001), /pread of 1001 bytes exceeds the limit of 1000/);
  await bad(fs.pwrite(file, 0, Buffer.alloc(1001)), /pwrite of 1001 bytes exceeds the limit/);
  await bad(fs.pread(file, 0, 1, { fileLength: -1 }), /fileLength/);
  await bad(fs.pwrite({ inodeId: -1n, layout: file.layout }, 0, Buffer.alloc(1)), /inode id/);
  await bad(fs.pwrite(file, 0, 'text' as unknown as Uint8Array), /Uint8Array/);
  await bad(fs.fileLength({ inodeId: 5n, layout: { ...file.layout, tableVersion: 9 } }), /pins chain table 1 v9, which is not in routing v7/);
  await bad(fs.pread({ inodeId: 5n, layout: { ...file.layout, stripe: 0 } }, 0, 1), /stripe/);
});
