import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addLittleEndian, decodeInt64LE, encodeInt64LE } from './atomic-add.ts';

test('int64 little-endian encoding round-trips signed values', () => {
  for (const n of [0n, 1n, -1n, 255n, 256n, 2n ** 63n - 1n, -(2n ** 63n)]) assert.equal(decodeInt64LE(encodeInt64LE(n)), n);
  assert.equal(encodeInt64LE(258n).toString('hex'), '0201000000000000');
  assert.equal(decodeInt64LE(null), 0n);
});

test('add follows FoundationDB: absent is zero, short values extend, long values truncate, sums wrap', () => {
  assert.equal(addLittleEndian(null, encodeInt64LE(5n)).toString('hex'), '0500000000000000');
  assert.equal(addLittleEndian(Buffer.from([0xff]), encodeInt64LE(1n)).toString('hex'), '0001000000000000');
  const long = Buffer.from('01000000000000000a0b', 'hex');
  assert.equal(addLittleEndian(long, encodeInt64LE(1n)).toString('hex'), '0200000000000000');
  assert.equal(decodeInt64LE(addLittleEndian(encodeInt64LE(2n ** 63n - 1n), encodeInt64LE(1n))), -(2n ** 63n));
});
