/**
 * Size limits every engine enforces the same way, so code that works on the memory engine works on the others.
 * LMDB caps keys at 1978 bytes in lmdb-js builds and FoundationDB at 10,000; 1024 leaves room below both for
 * the prefixes layers add. Values follow FoundationDB's 100,000-byte limit.
 */
import { GeneralError, KvError } from '../errors.ts';
import type { Bytes } from './types.ts';

export const KV_LIMITS = {
  maxKeyBytes: 1024,
  maxValueBytes: 100_000,
} as const;

/**
 * Checks a key about to be written. Empty keys (LMDB cannot store them) and keys starting with 0xff (FoundationDB's
 * system keyspace) are refused on every engine; both may still bound a range read.
 */
export function checkWritableKey(key: Bytes): void {
  if (key.length === 0) throw GeneralError.INVALID_ARGUMENT('KV keys must not be empty');
  if (key[0] === 0xff) throw GeneralError.INVALID_ARGUMENT('KV keys starting with 0xff are reserved for the engine');
  if (key.length > KV_LIMITS.maxKeyBytes) throw KvError.TOO_LARGE('key', key.length, KV_LIMITS.maxKeyBytes);
}

export function checkValue(value: Bytes): void {
  if (value.length > KV_LIMITS.maxValueBytes) throw KvError.TOO_LARGE('value', value.length, KV_LIMITS.maxValueBytes);
}

/** Range bounds may be any key up to the size limit, including the empty key and 0xff. */
export function checkBound(key: Bytes): void {
  if (key.length > KV_LIMITS.maxKeyBytes + 1) throw KvError.TOO_LARGE('key', key.length, KV_LIMITS.maxKeyBytes + 1);
}
