/**
 * An ordered map from byte keys to values: two parallel sorted arrays searched by bisection. Inserts move the tail
 * (a memmove), which is fast at the sizes the memory engine and a transaction's write buffer hold.
 */
import { compareKeys } from './key-order.ts';
import type { Bytes } from './types.ts';

export type Direction = 'forward' | 'reverse';

export class SortedKeyMap<V> {
  private readonly keys: Buffer[] = [];
  private readonly values: V[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: Bytes): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(key: Bytes): V | undefined {
    const i = this.lowerBound(key);
    return i < this.keys.length && compareKeys(this.keys[i]!, key) === 0 ? this.values[i] : undefined;
  }

  /** Stores `value` under `key`; the map keeps `key` itself, so pass a private copy. */
  set(key: Buffer, value: V): void {
    const i = this.lowerBound(key);
    if (i < this.keys.length && compareKeys(this.keys[i]!, key) === 0) {
      this.values[i] = value;
      return;
    }
    this.keys.splice(i, 0, key);
    this.values.splice(i, 0, value);
  }

  delete(key: Bytes): boolean {
    const i = this.lowerBound(key);
    if (i >= this.keys.length || compareKeys(this.keys[i]!, key) !== 0) return false;
    this.keys.splice(i, 1);
    this.values.splice(i, 1);
    return true;
  }

  /** Removes every key in [begin, end). */
  deleteRange(begin: Bytes, end: Bytes): void {
    const from = this.lowerBound(begin);
    const to = this.lowerBound(end);
    if (to > from) {
      this.keys.splice(from, to - from);
      this.values.splice(from, to - from);
    }
  }

  /**
   * Entries in [begin, end), ascending or descending. A live view: it tolerates changes to other keys between steps
   * by re-finding its position from the last key it returned.
   */
  *range(begin: Bytes, end: Bytes, direction: Direction = 'forward'): Generator<[Buffer, V]> {
    if (direction === 'forward') {
      let i = this.lowerBound(begin);
      while (i < this.keys.length && compareKeys(this.keys[i]!, end) < 0) {
        const key = this.keys[i]!;
        yield [key, this.values[i]!];
        i = this.lowerBound(key);
        if (i < this.keys.length && compareKeys(this.keys[i]!, key) === 0) i++;
      }
      return;
    }
    let i = this.lowerBound(end) - 1;
    while (i >= 0 && compareKeys(this.keys[i]!, begin) >= 0) {
      const key = this.keys[i]!;
      yield [key, this.values[i]!];
      i = this.lowerBound(key) - 1;
    }
  }
}
