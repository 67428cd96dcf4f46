import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../infra/errors.ts';
import { maxFileEnd, splitRange } from './chunk-ranges.ts';

const pieces = (chunkSize: number, offset: number, length: number): [number, number, number, number][] =>
  splitRange(chunkSize, offset, length).map((p) => [p.chunkIndex, p.chunkOffset, p.bufferOffset, p.length]);

test('a range inside one chunk is one piece', () => {
  assert.deepEqual(pieces(4, 1, 2), [[0, 1, 0, 2]]);
  assert.deepEqual(pieces(4, 5, 3), [[1, 1, 0, 3]]);
  assert.deepEqual(pieces(4, 0, 4), [[0, 0, 0, 4]]);
});

test('a range splits at chunk boundaries, in file order', () => {
  assert.deepEqual(pieces(4, 3, 6), [[0, 3, 0, 1], [1, 0, 1, 4], [2, 0, 5, 1]]);
  assert.deepEqual(pieces(4, 4, 8), [[1, 0, 0, 4], [2, 0, 4, 4]]);
  assert.deepEqual(pieces(4, 2, 4), [[0, 2, 0, 2], [1, 0, 2, 2]]);
});

test('pieces cover the range exactly, for many offsets and lengths', () => {
  for (const chunkSize of [1, 4, 64]) {
    for (let offset = 0; offset < 3 * chunkSize; offset += 1) {
      for (const length of [0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 5 * chunkSize + 3]) {
        const ps = splitRange(chunkSize, offset, length);
        assert.equal(ps.reduce((n, p) => n + p.length, 0), length);
        let at = offset;
        for (const p of ps) {
          assert.equal(p.chunkIndex * chunkSize + p.chunkOffset, at);
          assert.equal(p.bufferOffset, at - offset);
          assert.ok(p.length > 0 && p.chunkOffset + p.length <= chunkSize);
          at += p.length;
        }
      }
    }
  }
});

test('a zero-length range has no pieces, also at a boundary and at the largest offset', () => {
  assert.deepEqual(pieces(4, 0, 0), []);
  assert.deepEqual(pieces(4, 8, 0), []);
  assert.deepEqual(pieces(4, maxFileEnd(4), 0), []);
});

test('the last chunk index a file can have is 2^32 - 1', () => {
  const chunkSize = 1024 * 1024;
  assert.equal(maxFileEnd(chunkSize), 2 ** 32 * chunkSize);
  assert.deepEqual(pieces(chunkSize, maxFileEnd(chunkSize) - 1, 1), [[2 ** 32 - 1, chunkSize - 1, 0, 1]]);
  assert.equal(maxFileEnd(2 ** 30), Number.MAX_SAFE_INTEGER);
});

test('bad offsets, lengths and chunk sizes are INVALID_ARGUMENT', () => {
  const bad = (chunkSize: number, offset: number, length: number, message: RegExp): void =>
    assert.throws(() => splitRange(chunkSize, offset, length), (err) => hasCode(err, 'INVALID_ARGUMENT') && message.test(err.message));
  bad(4, -1, 1, /offset must be a non-negative safe integer/);
  bad(4, 1.5, 1, /offset/);
  bad(4, Number.NaN, 1, /offset/);
  bad(4, 2 ** 53, 1, /offset/);
  bad(4, 0, -1, /length must be a non-negative safe integer/);
  bad(4, 0, Infinity, /length/);
  bad(4, maxFileEnd(4) - 1, 2, /ends past the largest file/);
  bad(3, 0, 1, /chunkSize must be a power of two/);
  bad(0, 0, 1, /chunkSize/);
  bad(2 ** 31, 0, 1, /chunkSize/);
});
