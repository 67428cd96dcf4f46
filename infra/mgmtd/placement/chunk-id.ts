import { GeneralError } from '../../errors.ts';

/**
 * Chunk ids: inode id (u64, big-endian) then chunk index (u32, big-endian), 12 bytes. Big-endian makes byte order
 * equal numeric order, so one file's chunks are adjacent in storage's chunk index and its last chunk is the first
 * entry of one reverse range read over `chunkIdRange(inode)`. Storage treats the bytes as opaque.
 */
export const CHUNK_ID_BYTES = 12;

export const MAX_INODE_ID = (1n << 64n) - 1n;
export const MAX_CHUNK_INDEX = 0xffff_ffff;

export interface DecodedChunkId {
  readonly inodeId: bigint;
  readonly chunkIndex: number;
}

export function encodeChunkId(inodeId: bigint, chunkIndex: number): Uint8Array {
  checkInodeId(inodeId);
  if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex > MAX_CHUNK_INDEX) {
    throw GeneralError.INVALID_ARGUMENT(`chunk index must be an integer in [0, 2^32), got ${chunkIndex}`, { context: { chunkIndex } });
  }
  const bytes = new Uint8Array(CHUNK_ID_BYTES);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, inodeId, false);
  view.setUint32(8, chunkIndex, false);
  return bytes;
}

export function decodeChunkId(bytes: Uint8Array): DecodedChunkId {
  if (bytes.length !== CHUNK_ID_BYTES) {
    throw GeneralError.INVALID_ARGUMENT(`a chunk id has ${CHUNK_ID_BYTES} bytes, got ${bytes.length}`, { context: { length: bytes.length } });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { inodeId: view.getBigUint64(0, false), chunkIndex: view.getUint32(8, false) };
}

/**
 * The key range [begin, end) holding exactly the chunk ids of one inode: begin is its chunk 0, end is its largest
 * possible chunk id followed by one zero byte (valid even for the largest inode id, unlike "next inode's chunk 0").
 */
export function chunkIdRange(inodeId: bigint): { readonly begin: Uint8Array; readonly end: Uint8Array } {
  const begin = encodeChunkId(inodeId, 0);
  const end = new Uint8Array(CHUNK_ID_BYTES + 1);
  end.set(encodeChunkId(inodeId, MAX_CHUNK_INDEX));
  return { begin, end };
}

function checkInodeId(inodeId: bigint): void {
  if (inodeId < 0n || inodeId > MAX_INODE_ID) {
    throw GeneralError.INVALID_ARGUMENT(`inode id must be in [0, 2^64), got ${inodeId}`, { context: { inodeId: inodeId.toString() } });
  }
}
