/**
 * Byte-string keys and the half-open ranges [begin, end) built from them. Order is memcmp order with the shorter of
 * two equal prefixes first, which is both LMDB's default comparator and FoundationDB's.
 */
import type { Bytes } from './types.ts';

export interface KeyRange {
  readonly begin: Buffer;
  readonly end: Buffer;
}

export function compareKeys(a: Bytes, b: Bytes): number {
  return Buffer.compare(a, b);
}

/** A private copy as a Buffer, so later changes to the caller's array cannot reach stored data. */
export function copyBytes(bytes: Bytes): Buffer {
  return Buffer.from(bytes);
}

/** The first key after `key`: `key` + 0x00. [key, keyAfter(key)) holds exactly `key`. */
export function keyAfter(key: Bytes): Buffer {
  const out = Buffer.alloc(key.length + 1);
  out.set(key, 0);
  return out;
}

export function singleKeyRange(key: Bytes): KeyRange {
  return { begin: copyBytes(key), end: keyAfter(key) };
}

export function isEmptyRange(begin: Bytes, end: Bytes): boolean {
  return compareKeys(begin, end) >= 0;
}
