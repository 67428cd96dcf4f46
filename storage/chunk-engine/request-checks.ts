import { crc32c } from '@node-rs/crc32';
import { GeneralError, StorageError } from '../../infra/errors.ts';
import { knownBulkChecksum } from '../../infra/rpc/index.ts';
import { chunkIdHex, describeChunkId } from './chunk-key.ts';
import type { ChunkId, ChunkRecord } from './types.ts';

const MAX_U32 = 0xffff_ffff;

/** Versions are u32 (3FS's ChunkVer); update and commit versions start at 1. */
export function checkVersion(name: string, value: number, min: 0 | 1): void {
  if (!Number.isInteger(value) || value < min || value > MAX_U32) {
    throw GeneralError.INVALID_ARGUMENT(`${name} must be an integer in [${min}, 2^32), got ${value}`, { context: { [name]: value } });
  }
}

export function checkExtent(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw GeneralError.INVALID_ARGUMENT(`${name} must be an integer in [0, ${max}], got ${value}`, { context: { [name]: value, max } });
  }
}

/** The writer's CRC32C must match the bytes that arrived, before anything is stored. */
export function checkDataChecksum(chunkId: ChunkId, data: Uint8Array, expected: number): void {
  // Bytes the transport verified on arrival (or a caller verified just now) carry their checksum: not hashed again.
  const actual = knownBulkChecksum(data) ?? crc32c(data);
  if (actual !== expected >>> 0) {
    throw StorageError.CHECKSUM_MISMATCH(`data for ${describeChunkId(chunkId)} does not match its checksum`, {
      context: { chunkId: chunkIdHex(chunkId), expected: expected >>> 0, actual, bytes: data.length },
    });
  }
}

/**
 * Whether an update applies on top of `record`:
 *   updateVer ≤ commitVer       STALE, already committed (a retry or a duplicate); CRAQ counts it as success
 *   updateVer = commitVer + 1   applies, replacing any pending version (a retry of the same update replaces itself)
 *   updateVer > commitVer + 1   applies only when the update does not build on the committed content (a full-chunk
 *                               replace or a remove); a partial write or truncate would build on a version that is
 *                               not there, so it is refused and the chain must send the whole chunk
 */
export type UpdateBasis = 'builds-on-committed' | 'self-contained';

export function updateApplies(chunkId: ChunkId, record: ChunkRecord | null, updateVer: number, basis: UpdateBasis): boolean {
  const commitVer = record?.commitVer ?? 0;
  if (updateVer <= commitVer) return false;
  if (basis === 'builds-on-committed' && updateVer > commitVer + 1) {
    throw GeneralError.INVALID_ARGUMENT(
      `update version ${updateVer} of ${describeChunkId(chunkId)} skips versions after committed version ${commitVer}; send the full chunk`,
      { context: { chunkId: chunkIdHex(chunkId), updateVer, commitVer } },
    );
  }
  return true;
}
