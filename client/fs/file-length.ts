import { GeneralError } from '../../infra/errors.ts';
import { decodeChunkId } from '../../infra/mgmtd/index.ts';
import type { FileDataDeps } from './deps.ts';
import { resolveFileChains } from './file-chains.ts';
import type { FileRef } from './file-chains.ts';

/**
 * The file's length as its chunks tell it, the way 3FS meta settles a length after close or fsync: every chain of
 * the file names the inode's chunk with the highest index it holds (committed or pending), and the length is the
 * largest `chunkIndex * chunkSize + chunkLength`; 0 when no chunk exists.
 *
 * Exact once writes have returned. It costs one query per chain of the stripe. Trailing zeros written on purpose
 * count; a hole at the end (a length set by truncate without data) does not: that needs meta's recorded length.
 */
export async function fileLength(deps: FileDataDeps, file: FileRef): Promise<number> {
  const chains = await resolveFileChains(deps.routing, file);
  const replies = await Promise.all(chains.map((chainId) => deps.storage.queryLastChunk(chainId, file.inodeId)));
  let length = 0;
  replies.forEach((reply, k) => {
    if (reply.meta === null) return;
    const { inodeId, chunkIndex } = decodeChunkId(reply.meta.chunkId);
    if (inodeId !== file.inodeId) {
      throw GeneralError.INTERNAL(`chain ${chains[k]} answered a last-chunk query for inode ${file.inodeId} with a chunk of inode ${inodeId}`, {
        context: { chainId: chains[k], inodeId: file.inodeId.toString(), got: inodeId.toString() },
      });
    }
    const end = chunkIndex * file.layout.chunkSize + reply.meta.length;
    if (!Number.isSafeInteger(end)) {
      throw GeneralError.INTERNAL(`inode ${file.inodeId}: chunk ${chunkIndex} ends at ${end}, past the safe integers`, { context: { chunkIndex } });
    }
    length = Math.max(length, end);
  });
  return length;
}
