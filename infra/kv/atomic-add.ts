/**
 * FoundationDB's ADD mutation on little-endian integers. With an 8-byte operand: the stored value is read as
 * little-endian (absent = 0, shorter = zero-extended, longer = truncated to 8 bytes), the operand is added, and the
 * sum wraps modulo 2^64.
 */
import type { Bytes } from './types.ts';

const INT64_BYTES = 8;

/** `n` as 8 little-endian bytes, two's complement. */
export function encodeInt64LE(n: bigint): Buffer {
  const out = Buffer.alloc(INT64_BYTES);
  out.writeBigUInt64LE(BigInt.asUintN(64, n));
  return out;
}

/** The signed 64-bit integer in up to 8 little-endian bytes (absent or empty = 0). */
export function decodeInt64LE(bytes: Bytes | null): bigint {
  return BigInt.asIntN(64, readUint64LE(bytes));
}

/** The stored value after an ADD of `operand` (8 bytes) onto `existing`. */
export function addLittleEndian(existing: Bytes | null, operand: Bytes): Buffer {
  return encodeInt64LE(readUint64LE(existing) + readUint64LE(operand));
}

function readUint64LE(bytes: Bytes | null): bigint {
  if (bytes === null) return 0n;
  let n = 0n;
  const len = Math.min(bytes.length, INT64_BYTES);
  for (let i = len - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}
