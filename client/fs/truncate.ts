import { GeneralError } from '../../infra/errors.ts';
import { chainIdOfChunk, encodeChunkId } from '../../infra/mgmtd/index.ts';
import type { FileDataDeps } from './deps.ts';
import { resolveFileChains } from './file-chains.ts';
import type { FileRef } from './file-chains.ts';
import { fileLength } from './file-length.ts';
import { removeChunks, retag } from './remove-chunks.ts';

/**
 * Sets the file's length as its chunks carry it (see `fileLength`): chunks wholly past the new end are removed, then
 * the chunk holding the new last byte is cut or zero-extended to end exactly there (created when it is a hole).
 * Bytes between the old and a longer new end read as zeros. Not atomic: a failure part way leaves the removed
 * chunks removed; truncating again to the same length finishes the job.
 */
export async function truncateFile(deps: FileDataDeps, file: FileRef, length: number): Promise<void> {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw GeneralError.INVALID_ARGUMENT(`truncate of inode ${file.inodeId}: length must be a non-negative safe integer, got ${length}`, { context: { length } });
  }
  const chains = await resolveFileChains(deps.routing, file);
  const { chunkSize } = file.layout;
  const current = await fileLength(deps, file);
  if (current === length) return;

  const keep = Math.ceil(length / chunkSize);
  await removeChunks(deps, file, chains, keep, Math.ceil(current / chunkSize), 'truncate');
  if (keep === 0) return;
  const last = keep - 1;
  try {
    await deps.storage.truncate({ chainId: chainIdOfChunk(chains, last), chunkId: encodeChunkId(file.inodeId, last), length: length - last * chunkSize });
  } catch (err) {
    throw retag(err, `truncate of inode ${file.inodeId} to ${length} bytes failed at chunk ${last}`);
  }
}

/** Removes every chunk of the file (its data; the inode itself is meta's). */
export async function removeFileData(deps: FileDataDeps, file: FileRef): Promise<void> {
  const chains = await resolveFileChains(deps.routing, file);
  const current = await fileLength(deps, file);
  await removeChunks(deps, file, chains, 0, Math.ceil(current / file.layout.chunkSize), 'remove');
}
