/**
 * SplitMix64 (Steele, Lea and Flood, 2014), the PRNG behind file placement. FROZEN: every file's chunk placement is
 * computed from it, so changing one constant or step remaps existing data. The test vectors in
 * splitmix64.test.ts and seeded-permutation.test.ts must never be edited to make a change pass.
 *
 *   state  ← state + 0x9E3779B97F4A7C15                       (mod 2^64)
 *   z      ← (state ⊕ (state >> 30)) × 0xBF58476D1CE4E5B9     (mod 2^64)
 *   z      ← (z ⊕ (z >> 27)) × 0x94D049BB133111EB             (mod 2^64)
 *   output ← z ⊕ (z >> 31)
 *
 * BigInt keeps the arithmetic exact on every platform; placement needs at most a few hundred draws per file.
 */
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
const MIX_1 = 0xbf58476d1ce4e5b9n;
const MIX_2 = 0x94d049bb133111ebn;
const TWO_64 = 1n << 64n;

export class SplitMix64 {
  #state: bigint;

  /** `seed` is taken modulo 2^64. */
  constructor(seed: bigint) {
    this.#state = BigInt.asUintN(64, seed);
  }

  /** The next 64-bit output, as a bigint in [0, 2^64). */
  next(): bigint {
    this.#state = BigInt.asUintN(64, this.#state + GOLDEN_GAMMA);
    let z = this.#state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * MIX_1);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * MIX_2);
    return z ^ (z >> 31n);
  }

  /**
   * A uniform integer in [0, bound), unbiased by rejection: draws below the largest multiple of `bound` that fits in
   * 2^64 are reduced modulo `bound`, others are discarded and redrawn.
   */
  nextBelow(bound: number): number {
    const b = BigInt(bound);
    const limit = TWO_64 - (TWO_64 % b);
    for (;;) {
      const x = this.next();
      if (x < limit) return Number(x % b);
    }
  }
}
