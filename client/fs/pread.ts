import { GeneralError, hasCode } from '../../infra/errors.ts';
import { chainIdOfChunk, encodeChunkId } from '../../infra/mgmtd/index.ts';
import type { ChunkRead } from '../../storage/index.ts';
import { splitRange } from './chunk-ranges.ts';
import { checkIoBytes } from './deps.ts';
import type { FileDataDeps } from './deps.ts';
import { resolveFileChains } from './file-chains.ts';
import type { FileRef } from './file-chains.ts';
import type { PieceFailure } from './piece-error.ts';
import { pieceError } from './piece-error.ts';

export interface PreadOptions {
  /**
   * The file's length, when the caller knows it (from meta, or from `fileLength`): the result stops there, like a
   * POSIX read at end of file, and chunks past it are not asked for. Null or absent: exactly `length` bytes.
   */
  readonly fileLength?: number | null;
}

/**
 * Reads `length` bytes at byte `offset` of the file, asking every covering chunk in parallel.
 *
 * Reads as a sparse file does: a chunk that does not exist, and the bytes of a chunk past its end, are zeros.
 * The data path cannot tell a hole from the end of the file (meta holds the length), so without `fileLength` the
 * result always has `length` bytes; with it, `max(0, min(length, fileLength - offset))`.
 */
export async function pread(deps: FileDataDeps, file: FileRef, offset: number, length: number, options: PreadOptions = {}): Promise<Buffer> {
  checkIoBytes(deps, 'pread', length);
  splitRange(file.layout.chunkSize, offset, length); // validates before clipping
  const fileLength = options.fileLength ?? null;
  if (fileLength !== null && (!Number.isSafeInteger(fileLength) || fileLength < 0)) {
    throw GeneralError.INVALID_ARGUMENT(`fileLength must be a non-negative safe integer, got ${fileLength}`, { context: { fileLength } });
  }
  const readLength = fileLength === null ? length : Math.max(0, Math.min(length, fileLength - offset));
  const pieces = splitRange(file.layout.chunkSize, offset, readLength);
  const chains = await resolveFileChains(deps.routing, file);
  const out = Buffer.alloc(readLength);
  if (pieces.length === 0) return out;

  // Each piece is received straight into its place in `out`.
  const reads: ChunkRead[] = pieces.map((p) => ({
    chainId: chainIdOfChunk(chains, p.chunkIndex),
    chunkId: encodeChunkId(file.inodeId, p.chunkIndex),
    offset: p.chunkOffset,
    length: p.length,
    into: out.subarray(p.bufferOffset, p.bufferOffset + p.length),
  }));
  const results = await deps.storage.batchRead(reads);
  const failures: PieceFailure[] = [];
  results.forEach((r, i) => {
    const piece = pieces[i]!;
    const end = piece.bufferOffset + piece.length;
    if (r.ok) {
      const data = r.value.data.subarray(0, piece.length);
      if (data.buffer !== out.buffer || data.byteOffset !== out.byteOffset + piece.bufferOffset) out.set(data, piece.bufferOffset);
      // A short chunk reads as zeros past its end (also over bytes an earlier, abandoned try left there).
      out.fill(0, piece.bufferOffset + data.length, end);
    } else if (hasCode(r.error, 'STORAGE_CHUNK_NOT_FOUND')) {
      out.fill(0, piece.bufferOffset, end);
    } else {
      failures.push({ piece, chainId: reads[i]!.chainId, error: r.error });
    }
  });
  if (failures.length > 0) throw pieceError('pread', file, offset, readLength, failures);
  return out;
}
