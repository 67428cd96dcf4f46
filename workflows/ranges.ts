/**
 * Sets of task indices as sorted, disjoint, half-open ranges [begin, end). A stage of 10,000 tasks that completed in
 * order is one pair, so progress carried across continue-as-new stays tiny.
 */
export type IndexRanges = readonly (readonly [number, number])[];

export function rangesFromIndices(indices: Iterable<number>): [number, number][] {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}

export function* indicesOf(ranges: IndexRanges): Generator<number> {
  for (const [b, e] of ranges) for (let i = b; i < e; i++) yield i;
}

export function countOf(ranges: IndexRanges): number {
  return ranges.reduce((n, [b, e]) => n + (e - b), 0);
}

/** Indices in [0, total) not covered by `ranges`, in ascending order. */
export function* missingIndices(ranges: IndexRanges, total: number): Generator<number> {
  let next = 0;
  for (const [b, e] of ranges) {
    for (let i = next; i < Math.min(b, total); i++) yield i;
    next = Math.max(next, e);
  }
  for (let i = next; i < total; i++) yield i;
}
