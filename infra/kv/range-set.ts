/**
 * A set of keys kept as sorted, disjoint, non-adjacent half-open ranges [begin, end). Transactions collect their
 * read-conflict ranges and cleared ranges in one; the commit check asks whether a committed write range touches it.
 *
 *   add [b,d) to {[a,c) [e,f)}  ->  {[a,d) [e,f)}      (overlapping and touching ranges merge)
 */
import { compareKeys, copyBytes, isEmptyRange } from './key-order.ts';
import type { KeyRange } from './key-order.ts';
import type { Bytes } from './types.ts';

export class RangeSet {
  private readonly ranges: KeyRange[] = [];

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** The ranges in key order. */
  toArray(): readonly KeyRange[] {
    return this.ranges;
  }

  add(begin: Bytes, end: Bytes): void {
    if (isEmptyRange(begin, end)) return;
    // First range whose end reaches `begin` (touching counts, so [a,b) + [b,c) merge).
    const lo = this.firstEndingAtOrAfter(begin);
    let hi = lo;
    let newBegin = copyBytes(begin);
    let newEnd = copyBytes(end);
    while (hi < this.ranges.length && compareKeys(this.ranges[hi]!.begin, end) <= 0) {
      const r = this.ranges[hi]!;
      if (compareKeys(r.begin, newBegin) < 0) newBegin = r.begin;
      if (compareKeys(r.end, newEnd) > 0) newEnd = r.end;
      hi++;
    }
    this.ranges.splice(lo, hi - lo, { begin: newBegin, end: newEnd });
  }

  /** True when `key` lies in one of the ranges. */
  contains(key: Bytes): boolean {
    const i = this.firstEndingAfter(key);
    return i < this.ranges.length && compareKeys(this.ranges[i]!.begin, key) <= 0;
  }

  /** True when [begin, end) shares at least one key with the set. */
  intersects(begin: Bytes, end: Bytes): boolean {
    if (isEmptyRange(begin, end)) return false;
    const i = this.firstEndingAfter(begin);
    return i < this.ranges.length && compareKeys(this.ranges[i]!.begin, end) < 0;
  }

  /** True when any of `ranges` shares a key with the set: the commit-time conflict test. */
  intersectsAny(ranges: Iterable<KeyRange>): boolean {
    for (const r of ranges) if (this.intersects(r.begin, r.end)) return true;
    return false;
  }

  private firstEndingAfter(key: Bytes): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.ranges[mid]!.end, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private firstEndingAtOrAfter(key: Bytes): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.ranges[mid]!.end, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
