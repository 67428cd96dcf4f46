import { FirepondError, GeneralError } from '../../infra/errors.ts';
import type { ChainId } from '../../infra/mgmtd/index.ts';
import type { ChunkPiece } from './chunk-ranges.ts';
import type { FileRef } from './file-chains.ts';

/** A failed piece of a pread or pwrite, with where it sat in the caller's range. */
export interface PieceFailure {
  readonly piece: ChunkPiece;
  readonly chainId: ChainId;
  readonly error: FirepondError;
}

/**
 * The error a pread or pwrite fails with: the first failed piece's code (so callers and retry policies branch on
 * what storage said), a message naming the file, the range and the chunk, and the storage error as the cause.
 */
export function pieceError(op: 'pread' | 'pwrite', file: FileRef, offset: number, length: number, failures: readonly PieceFailure[]): FirepondError {
  const first = failures[0];
  if (first === undefined) return GeneralError.INTERNAL(`${op}: no failed piece to report`);
  const { piece, chainId, error } = first;
  const at = offset + piece.bufferOffset;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more of its chunks)` : '';
  return new FirepondError(
    error.code,
    `${op} of inode ${file.inodeId} at [${offset}, ${offset + length}) failed at chunk ${piece.chunkIndex} on chain ${chainId}, ` +
      `file bytes [${at}, ${at + piece.length})${more}: ${error.message}`,
    {
      cause: error,
      context: {
        op,
        inodeId: file.inodeId.toString(),
        offset,
        length,
        chunkIndex: piece.chunkIndex,
        chainId,
        failedChunks: failures.map((f) => f.piece.chunkIndex),
      },
    },
  );
}
