/** Integer time arithmetic shared by the converters in both directions. */

export const MS_PER_DAY = 86_400_000;

/** Division rounding toward −∞, so an instant before 1970 with a sub-unit part does not move forward in time. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
