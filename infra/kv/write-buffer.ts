/**
 * A transaction's own writes, kept two ways: the ordered mutation list the engine applies at commit, and an index
 * (point writes plus cleared ranges) that lets reads see those writes before commit (read-your-writes).
 *
 *   storage:  a=1 b=2 c=3          own writes: clearRange[b,c)  set c=9  add d+=5 (d unknown)
 *   merged:   a=1     c=9 d=(stored d)+5
 */
import { GeneralError } from '../errors.ts';
import { addLittleEndian } from './atomic-add.ts';
import { compareKeys } from './key-order.ts';
import type { Mutation } from './mutations.ts';
import { RangeSet } from './range-set.ts';
import { SortedKeyMap } from './sorted-map.ts';
import type { Direction } from './sorted-map.ts';
import type { KeyValue } from './types.ts';

/** What the transaction's own writes say about one key. */
export type OwnWrite =
  | { readonly kind: 'value'; readonly value: Buffer | null }
  /** Atomic adds onto a value this transaction has not seen: the stored value is needed to answer a read. */
  | { readonly kind: 'add'; readonly operand: Buffer }
  /** A versionstamped value: unknown until commit, so reading it is an error (as in FoundationDB). */
  | { readonly kind: 'unreadable' };

export class WriteBuffer {
  readonly mutations: Mutation[] = [];
  private readonly points = new SortedKeyMap<OwnWrite>();
  private readonly cleared = new RangeSet();

  get isEmpty(): boolean {
    return this.mutations.length === 0;
  }

  set(key: Buffer, value: Buffer): void {
    this.points.set(key, { kind: 'value', value });
    this.mutations.push({ type: 'set', key, value });
  }

  clear(key: Buffer): void {
    this.points.set(key, { kind: 'value', value: null });
    this.mutations.push({ type: 'clear', key });
  }

  clearRange(begin: Buffer, end: Buffer): void {
    this.cleared.add(begin, end);
    this.points.deleteRange(begin, end);
    this.mutations.push({ type: 'clearRange', begin, end });
  }

  add(key: Buffer, operand: Buffer): void {
    const own = this.lookup(key);
    if (own === null) this.points.set(key, { kind: 'add', operand });
    else if (own.kind === 'value') this.points.set(key, { kind: 'value', value: addLittleEndian(own.value, operand) });
    // Two adds onto an unknown value are one add of their (wrapping) sum.
    else if (own.kind === 'add') this.points.set(key, { kind: 'add', operand: addLittleEndian(own.operand, operand) });
    this.mutations.push({ type: 'add', key, operand });
  }

  setVersionstampedKey(key: Buffer, offset: number, value: Buffer): void {
    // The final key is unknown until commit, so no read can see it (FoundationDB behaves the same).
    this.mutations.push({ type: 'setVersionstampedKey', key, offset, value });
  }

  setVersionstampedValue(key: Buffer, value: Buffer, offset: number): void {
    this.points.set(key, { kind: 'unreadable' });
    this.mutations.push({ type: 'setVersionstampedValue', key, value, offset });
  }

  /** The own write covering `key`, or null when the stored value decides. */
  lookup(key: Buffer): OwnWrite | null {
    const point = this.points.get(key);
    if (point !== undefined) return point;
    return this.cleared.contains(key) ? { kind: 'value', value: null } : null;
  }

  /**
   * Merges stored pairs of [begin, end) with own writes, in `direction` order. `stored` must yield the snapshot's
   * pairs of the same range in the same order; `storedValue` answers single keys for adds onto unknown values.
   */
  *mergeRange(
    begin: Buffer,
    end: Buffer,
    direction: Direction,
    stored: Iterable<KeyValue>,
    storedValue: (key: Buffer) => Buffer | null,
  ): Generator<KeyValue> {
    const comesFirst = direction === 'forward'
      ? (a: Buffer, b: Buffer) => compareKeys(a, b) < 0
      : (a: Buffer, b: Buffer) => compareKeys(a, b) > 0;
    const own = this.points.range(begin, end, direction);
    const storedIt = stored[Symbol.iterator]();
    const nextStored = (): IteratorResult<KeyValue> => {
      for (;;) {
        const r = storedIt.next();
        // Keys this transaction wrote or cleared are answered by its own writes.
        if (r.done === true || this.lookup(r.value.key) === null) return r;
      }
    };
    try {
      let o = own.next();
      let s = nextStored();
      while (o.done !== true || s.done !== true) {
        if (o.done !== true && (s.done === true || comesFirst(o.value[0], s.value.key))) {
          const [key, write] = o.value;
          const value = resolveOwnWrite(key, write, storedValue);
          if (value !== null) yield { key: Buffer.from(key), value };
          o = own.next();
        } else if (s.done !== true) {
          yield s.value;
          s = nextStored();
        }
      }
    } finally {
      storedIt.return?.();
    }
  }
}

/** The value a read sees for an own write: a copy, so callers cannot change the buffered write. */
export function resolveOwnWrite(key: Buffer, write: OwnWrite, storedValue: (key: Buffer) => Buffer | null): Buffer | null {
  switch (write.kind) {
    case 'value':
      return write.value === null ? null : Buffer.from(write.value);
    case 'add':
      return addLittleEndian(storedValue(key), write.operand);
    case 'unreadable':
      throw GeneralError.INVALID_ARGUMENT(
        `key ${key.toString('hex')} holds a versionstamped value set in this transaction and cannot be read before commit`,
      );
  }
}
