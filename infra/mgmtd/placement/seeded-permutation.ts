import { GeneralError } from '../../errors.ts';
import { SplitMix64 } from './splitmix64.ts';

/** Largest stripe a layout may use (3FS production uses 200). */
export const MAX_STRIPE = 65_536;

/**
 * perm_seed of ARCHITECTURE §4: a permutation of [0, size) fixed by `seed`. FROZEN, with test vectors in
 * seeded-permutation.test.ts (3FS tied its shuffle to a C++ standard library and broke across compilers, #368).
 *
 *   rng ← SplitMix64(seed)
 *   p   ← [0, 1, …, size − 1]
 *   for i from size − 1 down to 1:            (Fisher–Yates, Durstenfeld's in-place form)
 *     j ← rng.nextBelow(i + 1)
 *     swap p[i], p[j]
 *
 * `seed` is an integer in [0, 2^32); `size` in [1, MAX_STRIPE].
 */
export function seededPermutation(seed: number, size: number): number[] {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw GeneralError.INVALID_ARGUMENT(`permutation seed must be an integer in [0, 2^32), got ${seed}`, { context: { seed } });
  }
  if (!Number.isInteger(size) || size < 1 || size > MAX_STRIPE) {
    throw GeneralError.INVALID_ARGUMENT(`permutation size must be an integer in [1, ${MAX_STRIPE}], got ${size}`, { context: { size } });
  }
  const rng = new SplitMix64(BigInt(seed));
  const p = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i >= 1; i--) {
    const j = rng.nextBelow(i + 1);
    const a = p[i]!;
    p[i] = p[j]!;
    p[j] = a;
  }
  return p;
}
