import { GeneralError } from '../../infra/errors.ts';
import { MAX_CHUNK_INDEX } from '../../infra/mgmtd/index.ts';

/** One chunk's share of a byte range of a file. */
export interface ChunkPiece {
  readonly chunkIndex: number;
  /** Where the piece starts inside its chunk. */
  readonly chunkOffset: number;
  /** Where the piece starts inside the caller's buffer, i.e. relative to the range's start. */
  readonly bufferOffset: number;
  readonly length: number;
}

/**
 * Splits the byte range [offset, offset + length) of a file at chunk boundaries, in file order. A zero-length range
 * has no pieces. Offsets are validated here once, so every operation reports them the same way.
 *
 *   splitRange(4, 3, 6)  →  chunk 0 [3, 4) · chunk 1 [0, 4) · chunk 2 [0, 1)
 */
export function splitRange(chunkSize: number, offset: number, length: number): ChunkPiece[] {
  checkRange(chunkSize, offset, length);
  const pieces: ChunkPiece[] = [];
  for (let at = offset, end = offset + length; at < end;) {
    const chunkIndex = Math.floor(at / chunkSize);
    const chunkOffset = at - chunkIndex * chunkSize;
    const pieceLength = Math.min(chunkSize - chunkOffset, end - at);
    pieces.push({ chunkIndex, chunkOffset, bufferOffset: at - offset, length: pieceLength });
    at += pieceLength;
  }
  return pieces;
}

/** The largest end offset a file with chunks of `chunkSize` bytes can have (2^32 chunks, within safe integers). */
export function maxFileEnd(chunkSize: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, (MAX_CHUNK_INDEX + 1) * chunkSize);
}

function checkRange(chunkSize: number, offset: number, length: number): void {
  // Bounded before the bitwise test, which works on 32-bit integers.
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 2 ** 30 || (chunkSize & (chunkSize - 1)) !== 0) {
    throw GeneralError.INVALID_ARGUMENT(`chunkSize must be a power of two up to 1 GiB, got ${chunkSize}`, { context: { chunkSize } });
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw GeneralError.INVALID_ARGUMENT(`offset must be a non-negative safe integer, got ${offset}`, { context: { offset } });
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw GeneralError.INVALID_ARGUMENT(`length must be a non-negative safe integer, got ${length}`, { context: { length } });
  }
  const limit = maxFileEnd(chunkSize);
  if (offset + length > limit) {
    throw GeneralError.INVALID_ARGUMENT(
      `range [${offset}, ${offset + length}) ends past the largest file of ${limit} bytes (2^32 chunks of ${chunkSize})`,
      { context: { offset, length, chunkSize, limit } },
    );
  }
}
