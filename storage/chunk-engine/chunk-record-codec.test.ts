import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../infra/errors.ts';
import { decodeChunkRecord, encodeChunkRecord } from './chunk-record-codec.ts';
import type { ChunkRecord } from './types.ts';

const committed: ChunkRecord = {
  commitVer: 7,
  commitChainVer: 3,
  length: 4000,
  crc32c: 0xdeadbeef,
  slot: { sizeClass: 2, file: 4095, index: 0xffff_fffe },
  pending: null,
};

test('chunk records round-trip through their fixed binary layout', () => {
  const cases: ChunkRecord[] = [
    committed,
    { ...committed, slot: null, length: 0, crc32c: 0 },
    { ...committed, pending: { kind: 'WRITE', updateVer: 8, chainVer: 4, length: 10, crc32c: 0xffff_ffff, slot: { sizeClass: 0, file: 1, index: 2 } } },
    { ...committed, pending: { kind: 'REMOVE', updateVer: 0xffff_ffff, chainVer: 0, length: 0, crc32c: 0, slot: null } },
    { ...committed, pending: { kind: 'WRITE', updateVer: 8, chainVer: 4, length: 0, crc32c: 0, slot: null } },
  ];
  for (const record of cases) assert.deepEqual(decodeChunkRecord(encodeChunkRecord(record)), record);
  assert.equal(encodeChunkRecord(committed).length, 25);
  assert.equal(encodeChunkRecord(cases[2]!).length, 48);
});

test('records of an unknown format or cut short are refused', () => {
  const bytes = encodeChunkRecord(withPending());
  assert.throws(() => decodeChunkRecord(bytes.subarray(0, 30)), (err) => hasCode(err, 'INTERNAL'));
  const other = Buffer.from(bytes);
  other[0] = 2;
  assert.throws(() => decodeChunkRecord(other), (err) => hasCode(err, 'INTERNAL'));
});

function withPending(): ChunkRecord {
  return { ...committed, pending: { kind: 'WRITE', updateVer: 8, chainVer: 4, length: 10, crc32c: 1, slot: null } };
}
