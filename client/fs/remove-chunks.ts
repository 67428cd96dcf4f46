import { FirepondError, GeneralError } from '../../infra/errors.ts';
import { chainIdOfChunk, encodeChunkId } from '../../infra/mgmtd/index.ts';
import type { ChainId } from '../../infra/mgmtd/index.ts';
import type { ChunkRef } from '../../storage/index.ts';
import type { FileDataDeps } from './deps.ts';
import type { FileRef } from './file-chains.ts';

/** Removes chunks [from, to) of the file in parallel; a chunk that is not there counts as removed. */
export async function removeChunks(deps: FileDataDeps, file: FileRef, chains: readonly ChainId[], from: number, to: number, op: string): Promise<void> {
  if (to <= from) return;
  const refs: ChunkRef[] = [];
  for (let index = from; index < to; index++) refs.push({ chainId: chainIdOfChunk(chains, index), chunkId: encodeChunkId(file.inodeId, index) });
  const results = await deps.storage.batchRemove(refs);
  const failed = results.flatMap((r, i) => (r.ok ? [] : [{ index: from + i, error: r.error }]));
  const first = failed[0];
  if (first !== undefined) throw retag(first.error, `${op} of inode ${file.inodeId} could not remove chunk ${first.index}${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ''}`);
}

/** The same code as `err` (so retry policies still apply), with what the file client was doing in front. */
export function retag(err: unknown, what: string): FirepondError {
  if (err instanceof FirepondError) return new FirepondError(err.code, `${what}: ${err.message}`, { cause: err, context: err.context });
  return GeneralError.INTERNAL(`${what}: ${String(err)}`, { cause: err });
}
