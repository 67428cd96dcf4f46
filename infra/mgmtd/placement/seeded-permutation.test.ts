import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import { MAX_STRIPE, seededPermutation } from './seeded-permutation.ts';

// FROZEN test vectors. Every stored file's chunk placement depends on these: if one fails, the change broke
// placement of existing data. Fix the change; never edit a vector.
const VECTORS: readonly (readonly [seed: number, size: number, permutation: readonly number[]])[] = [
  [0, 1, [0]],
  [0, 2, [0, 1]],
  [0, 3, [2, 0, 1]],
  [0, 5, [2, 3, 1, 4, 0]],
  [0, 8, [2, 5, 0, 3, 4, 6, 1, 7]],
  [0, 16, [2, 10, 14, 11, 6, 1, 5, 13, 8, 3, 4, 7, 12, 9, 0, 15]],
  [1, 3, [0, 1, 2]],
  [1, 5, [2, 1, 4, 3, 0]],
  [1, 8, [4, 3, 2, 7, 5, 6, 0, 1]],
  [1, 16, [2, 11, 10, 6, 7, 13, 14, 0, 12, 5, 15, 9, 3, 8, 4, 1]],
  [42, 3, [0, 2, 1]],
  [42, 5, [1, 2, 0, 4, 3]],
  [42, 8, [3, 1, 6, 2, 4, 0, 7, 5]],
  [42, 16, [12, 13, 4, 2, 14, 6, 7, 8, 11, 15, 9, 10, 3, 0, 1, 5]],
  [4294967295, 2, [1, 0]],
  [4294967295, 3, [1, 0, 2]],
  [4294967295, 8, [7, 5, 3, 4, 6, 1, 2, 0]],
  [4294967295, 16, [9, 3, 12, 10, 7, 6, 13, 8, 4, 5, 11, 2, 14, 1, 15, 0]],
  [2026, 64, [
    43, 60, 29, 5, 8, 52, 28, 55, 62, 54, 11, 51, 6, 4, 50, 22, 31, 63, 33, 20, 39, 57, 2, 27, 53, 61, 26, 18, 15, 23, 10, 47,
    3, 14, 16, 24, 17, 9, 32, 1, 45, 42, 38, 0, 37, 19, 49, 25, 36, 59, 56, 48, 41, 7, 34, 58, 13, 40, 12, 21, 46, 30, 44, 35,
  ]],
  // Stripe 200, the stripe 3FS runs in production.
  [3405691582, 200, [
    64, 65, 75, 184, 20, 24, 89, 140, 97, 61, 126, 175, 44, 63, 81, 174, 9, 107, 128, 121, 122, 18, 180, 167, 78, 163, 178, 23, 17, 129,
    14, 5, 96, 197, 186, 46, 101, 82, 135, 37, 112, 103, 95, 99, 70, 12, 34, 165, 0, 88, 35, 193, 30, 79, 190, 177, 31, 142, 92, 106,
    52, 160, 138, 90, 16, 179, 162, 83, 114, 38, 62, 49, 4, 133, 181, 199, 166, 157, 127, 47, 21, 152, 149, 10, 94, 39, 69, 154, 130, 51,
    19, 194, 104, 151, 25, 144, 134, 77, 15, 74, 33, 187, 123, 29, 58, 11, 93, 173, 67, 111, 6, 8, 115, 145, 108, 109, 28, 48, 113, 80,
    185, 161, 13, 57, 153, 43, 176, 124, 148, 41, 116, 141, 56, 68, 86, 136, 143, 7, 3, 54, 45, 1, 76, 32, 2, 131, 198, 22, 59, 91,
    158, 147, 50, 196, 191, 120, 71, 195, 125, 110, 139, 150, 171, 84, 105, 137, 192, 40, 42, 85, 66, 155, 172, 169, 102, 132, 146, 118, 164, 156,
    100, 55, 27, 87, 188, 189, 117, 182, 159, 60, 36, 183, 170, 53, 168, 119, 98, 26, 72, 73,
  ]],
];

for (const [seed, size, expected] of VECTORS) {
  test(`perm(seed ${seed}, size ${size}) is frozen`, () => {
    assert.deepEqual(seededPermutation(seed, size), expected);
  });
}

test('every result is a permutation of [0, size)', () => {
  for (let seed = 0; seed < 50; seed++) {
    for (const size of [1, 2, 7, 31, 200]) {
      const p = seededPermutation(seed * 7919, size);
      assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: size }, (_, i) => i));
    }
  }
});

test('all 6 orders of 3 elements occur about equally often over 6000 seeds', () => {
  const counts = new Map<string, number>();
  for (let seed = 0; seed < 6000; seed++) {
    const key = seededPermutation(seed, 3).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ['012', '021', '102', '120', '201', '210']);
  assert.ok([...counts.values()].every((n) => n > 900 && n < 1100), JSON.stringify([...counts]));
});

test('seeds outside [0, 2^32) and sizes outside [1, MAX_STRIPE] are refused', () => {
  for (const [seed, size] of [[-1, 4], [2 ** 32, 4], [1.5, 4], [0, 0], [0, MAX_STRIPE + 1], [0, 2.5]] as const) {
    assert.throws(() => seededPermutation(seed, size), (err) => hasCode(err, 'INVALID_ARGUMENT'), `${seed}, ${size}`);
  }
  assert.equal(seededPermutation(0, MAX_STRIPE).length, MAX_STRIPE);
});
