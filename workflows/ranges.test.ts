import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countOf, indicesOf, missingIndices, rangesFromIndices } from './ranges.ts';

test('index sets compress into sorted half-open ranges and expand back', () => {
  const ranges = rangesFromIndices([5, 0, 1, 2, 9, 7, 8, 2]);
  assert.deepEqual(ranges, [[0, 3], [5, 6], [7, 10]]);
  assert.deepEqual([...indicesOf(ranges)], [0, 1, 2, 5, 7, 8, 9]);
  assert.equal(countOf(ranges), 7);
  assert.deepEqual(rangesFromIndices(Array.from({ length: 10_000 }, (_, i) => i)), [[0, 10_000]]);
});

test('missingIndices yields the complement within [0, total)', () => {
  assert.deepEqual([...missingIndices([[0, 3], [5, 6], [7, 10]], 12)], [3, 4, 6, 10, 11]);
  assert.deepEqual([...missingIndices([], 3)], [0, 1, 2]);
  assert.deepEqual([...missingIndices([[0, 3]], 3)], []);
});
