import { GeneralError } from '../../infra/errors.ts';
import { chainIdOfChunk, encodeChunkId } from '../../infra/mgmtd/index.ts';
import type { ChunkWrite } from '../../storage/index.ts';
import { splitRange } from './chunk-ranges.ts';
import { checkIoBytes } from './deps.ts';
import type { FileDataDeps } from './deps.ts';
import { resolveFileChains } from './file-chains.ts';
import type { FileRef } from './file-chains.ts';
import type { PieceFailure } from './piece-error.ts';
import { pieceError } from './piece-error.ts';

/**
 * Writes `data` at byte `offset` of the file and returns the bytes written (all of them). The range is split at
 * chunk boundaries and the pieces go to their chains' heads in parallel, each a CRAQ write of its own.
 *
 * Not atomic across chunks: when a piece fails, the call fails with that piece's code, naming the file, offset and
 * chunk, but pieces already written stay written (as with a POSIX write torn by a crash). Writing the same bytes
 * again is safe. The file length is not recorded anywhere but in the chunks (see `fileLength`).
 */
export async function pwrite(deps: FileDataDeps, file: FileRef, offset: number, data: Uint8Array): Promise<number> {
  if (!(data instanceof Uint8Array)) throw GeneralError.INVALID_ARGUMENT('pwrite data must be a Uint8Array or Buffer');
  checkIoBytes(deps, 'pwrite', data.length);
  const pieces = splitRange(file.layout.chunkSize, offset, data.length);
  const chains = await resolveFileChains(deps.routing, file);
  if (pieces.length === 0) return 0;

  const writes: ChunkWrite[] = pieces.map((p) => ({
    chainId: chainIdOfChunk(chains, p.chunkIndex),
    chunkId: encodeChunkId(file.inodeId, p.chunkIndex),
    offset: p.chunkOffset,
    data: data.subarray(p.bufferOffset, p.bufferOffset + p.length),
  }));
  const results = await deps.storage.batchWrite(writes);
  const failures: PieceFailure[] = [];
  results.forEach((r, i) => {
    if (!r.ok) failures.push({ piece: pieces[i]!, chainId: writes[i]!.chainId, error: r.error });
  });
  if (failures.length > 0) throw pieceError('pwrite', file, offset, data.length, failures);
  return data.length;
}
