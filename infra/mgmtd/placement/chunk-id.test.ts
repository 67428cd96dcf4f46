import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import { CHUNK_ID_BYTES, chunkIdRange, decodeChunkId, encodeChunkId, MAX_CHUNK_INDEX, MAX_INODE_ID } from './chunk-id.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const compare = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b);

test('a chunk id is the inode id then the chunk index, both big-endian', () => {
  assert.equal(CHUNK_ID_BYTES, 12);
  assert.equal(hex(encodeChunkId(0x0102030405060708n, 0x0a0b0c0d)), '0102030405060708' + '0a0b0c0d');
  assert.equal(hex(encodeChunkId(0n, 0)), '000000000000000000000000');
  assert.equal(hex(encodeChunkId(MAX_INODE_ID, MAX_CHUNK_INDEX)), 'ff'.repeat(12));
  assert.equal(hex(encodeChunkId(256n, 1)), '0000000000000100' + '00000001');
});

test('decode inverts encode, also on a view into a larger buffer', () => {
  for (const [inodeId, chunkIndex] of [[0n, 0], [1n, 255], [2n ** 53n + 1n, 65536], [MAX_INODE_ID, MAX_CHUNK_INDEX]] as const) {
    assert.deepEqual(decodeChunkId(encodeChunkId(inodeId, chunkIndex)), { inodeId, chunkIndex });
  }
  const framed = Buffer.concat([Buffer.from([9, 9, 9]), encodeChunkId(77n, 5), Buffer.from([9])]);
  assert.deepEqual(decodeChunkId(framed.subarray(3, 15)), { inodeId: 77n, chunkIndex: 5 });
});

test("one file's chunks are adjacent and in index order when sorted bytewise", () => {
  const inodes = [0n, 1n, 255n, 256n, 2n ** 32n, 2n ** 63n, MAX_INODE_ID];
  const indexes = [0, 1, 255, 256, 65535, 65536, 2 ** 24, MAX_CHUNK_INDEX];
  const ids = inodes.flatMap((inodeId) => indexes.map((chunkIndex) => ({ inodeId, chunkIndex, bytes: encodeChunkId(inodeId, chunkIndex) })));
  // Shuffle deterministically, sort by bytes, and expect exactly (inode, index) order.
  const shuffled = ids.map((id, i) => ({ id, key: (i * 37) % ids.length })).sort((a, b) => a.key - b.key).map((x) => x.id);
  const sorted = [...shuffled].sort((a, b) => compare(a.bytes, b.bytes));
  assert.deepEqual(sorted.map((x) => [x.inodeId, x.chunkIndex]), ids.map((x) => [x.inodeId, x.chunkIndex]));
});

test("chunkIdRange holds exactly one inode's chunk ids", () => {
  for (const inodeId of [0n, 255n, 256n, MAX_INODE_ID - 1n, MAX_INODE_ID]) {
    const { begin, end } = chunkIdRange(inodeId);
    const inside = (id: Uint8Array): boolean => compare(id, begin) >= 0 && compare(id, end) < 0;
    assert.ok(inside(encodeChunkId(inodeId, 0)));
    assert.ok(inside(encodeChunkId(inodeId, 1)));
    assert.ok(inside(encodeChunkId(inodeId, MAX_CHUNK_INDEX)));
    if (inodeId > 0n) assert.ok(!inside(encodeChunkId(inodeId - 1n, MAX_CHUNK_INDEX)));
    if (inodeId < MAX_INODE_ID) assert.ok(!inside(encodeChunkId(inodeId + 1n, 0)));
  }
  assert.equal(hex(chunkIdRange(1n).end), '0000000000000001' + 'ffffffff' + '00');
});

test('out-of-range parts and wrong lengths are refused', () => {
  const invalid = (err: unknown): boolean => hasCode(err, 'INVALID_ARGUMENT');
  assert.throws(() => encodeChunkId(-1n, 0), invalid);
  assert.throws(() => encodeChunkId(MAX_INODE_ID + 1n, 0), invalid);
  assert.throws(() => encodeChunkId(1n, -1), invalid);
  assert.throws(() => encodeChunkId(1n, 2 ** 32), invalid);
  assert.throws(() => encodeChunkId(1n, 0.5), invalid);
  assert.throws(() => decodeChunkId(new Uint8Array(11)), invalid);
  assert.throws(() => decodeChunkId(new Uint8Array(16)), invalid);
});
