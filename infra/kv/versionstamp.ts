/**
 * Versionstamps for the engines that make their own (memory, LMDB): 8 bytes of big-endian commit version, then a
 * 2-byte big-endian order within the commit, always 0 here because every commit has its own version. They are
 * unique per commit and increase in commit order, as FoundationDB's do.
 */
import { GeneralError } from '../errors.ts';
import { VERSIONSTAMP_BYTES } from './types.ts';
import type { Bytes } from './types.ts';

export function versionstampOf(commitVersion: bigint): Buffer {
  const out = Buffer.alloc(VERSIONSTAMP_BYTES);
  out.writeBigUInt64BE(commitVersion, 0);
  out.writeUInt16BE(0, 8);
  return out;
}

/** Throws unless `bytes` has room for a versionstamp at `offset`. */
export function checkStampOffset(bytes: Bytes, offset: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + VERSIONSTAMP_BYTES > bytes.length) {
    throw GeneralError.INVALID_ARGUMENT(
      `versionstamp offset ${offset} does not leave ${VERSIONSTAMP_BYTES} placeholder bytes in ${bytes.length} bytes`,
    );
  }
}

/** A copy of `bytes` with the placeholder at `offset` replaced by `stamp`. */
export function fillVersionstamp(bytes: Bytes, offset: number, stamp: Buffer): Buffer {
  const out = Buffer.from(bytes);
  stamp.copy(out, offset);
  return out;
}
