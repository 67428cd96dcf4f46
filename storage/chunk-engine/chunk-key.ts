import { GeneralError } from '../../infra/errors.ts';
import { CHUNK_ID_BYTES, chunkIdRange, decodeChunkId } from '../../infra/mgmtd/index.ts';
import type { ChunkId } from './types.ts';

/**
 * Chunk ids (inode u64 BE + chunk index u32 BE, from mgmtd's placement) are the LMDB keys as they are: big-endian
 * sorts one file's chunks together in index order, so a file's last chunk is one reverse range read.
 */
export function checkChunkId(chunkId: ChunkId): Buffer {
  if (!(chunkId instanceof Uint8Array) || chunkId.length !== CHUNK_ID_BYTES) {
    throw GeneralError.INVALID_ARGUMENT(`a chunk id has ${CHUNK_ID_BYTES} bytes`, { context: { length: chunkId?.length ?? null } });
  }
  return Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.byteLength);
}

/** `inode 0x2a chunk 3`, for messages; error context carries the hex id too. */
export function describeChunkId(chunkId: ChunkId): string {
  const { inodeId, chunkIndex } = decodeChunkId(chunkId);
  return `inode 0x${inodeId.toString(16)} chunk ${chunkIndex}`;
}

export function chunkIdHex(chunkId: ChunkId): string {
  return Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.byteLength).toString('hex');
}

/** Keys of one inode: [begin, end). `end` is one byte longer than any chunk id, so no chunk id equals it. */
export function inodeKeyRange(inodeId: bigint): { readonly begin: Buffer; readonly end: Buffer } {
  const { begin, end } = chunkIdRange(inodeId);
  return { begin: Buffer.from(begin), end: Buffer.from(end) };
}
