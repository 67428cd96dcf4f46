/**
 * A transaction's writes, in the order it made them, and how an engine that keeps its own data (memory, LMDB)
 * applies them at commit. Applying also yields the key ranges the commit wrote, which later commits check their
 * reads against.
 */
import { addLittleEndian } from './atomic-add.ts';
import { keyAfter } from './key-order.ts';
import type { RangeSet } from './range-set.ts';
import { fillVersionstamp } from './versionstamp.ts';

export type Mutation =
  | { readonly type: 'set'; readonly key: Buffer; readonly value: Buffer }
  | { readonly type: 'clear'; readonly key: Buffer }
  | { readonly type: 'clearRange'; readonly begin: Buffer; readonly end: Buffer }
  | { readonly type: 'add'; readonly key: Buffer; readonly operand: Buffer }
  | { readonly type: 'setVersionstampedKey'; readonly key: Buffer; readonly offset: number; readonly value: Buffer }
  | { readonly type: 'setVersionstampedValue'; readonly key: Buffer; readonly value: Buffer; readonly offset: number };

/** The committed data as seen from inside an engine's commit critical section. */
export interface MutationTarget {
  get(key: Buffer): Buffer | null;
  put(key: Buffer, value: Buffer): void;
  remove(key: Buffer): void;
  /** Removes every key in [begin, end). */
  removeRange(begin: Buffer, end: Buffer): void;
}

/** Applies `mutations` in order and adds every range they wrote to `written`. */
export function applyMutations(
  mutations: readonly Mutation[],
  target: MutationTarget,
  stamp: Buffer,
  written: RangeSet,
): void {
  for (const m of mutations) {
    switch (m.type) {
      case 'set':
        target.put(m.key, m.value);
        written.add(m.key, keyAfter(m.key));
        break;
      case 'clear':
        target.remove(m.key);
        written.add(m.key, keyAfter(m.key));
        break;
      case 'clearRange':
        target.removeRange(m.begin, m.end);
        written.add(m.begin, m.end);
        break;
      case 'add':
        target.put(m.key, addLittleEndian(target.get(m.key), m.operand));
        written.add(m.key, keyAfter(m.key));
        break;
      case 'setVersionstampedKey': {
        const key = fillVersionstamp(m.key, m.offset, stamp);
        target.put(key, m.value);
        written.add(key, keyAfter(key));
        break;
      }
      case 'setVersionstampedValue':
        target.put(m.key, fillVersionstamp(m.value, m.offset, stamp));
        written.add(m.key, keyAfter(m.key));
        break;
    }
  }
}
