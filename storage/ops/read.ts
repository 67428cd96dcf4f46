import { StorageError } from '../../infra/errors.ts';
import { requireState, viewChain } from '../chain-view.ts';
import type { CallContext } from '../../infra/rpc/index.ts';
import type { PooledBuffer } from '../../infra/rpc/index.ts';
import type { ReadReq, ReadRsp } from '../protocol.ts';
import type { StorageDeps } from './deps.ts';

/**
 * A read, at any SERVING replica. A replica holding an uncommitted version answers STORAGE_NOT_COMMITTED rather
 * than its committed data, which the write in flight may be about to replace; the client retries (3FS does the
 * same; it never asks the tail).
 */
export async function handleRead(deps: StorageDeps, req: ReadReq, context: CallContext): Promise<ReadRsp> {
  deps.fence?.check('a read');
  const view = await viewChain(deps.routing, deps.targets, req.chainId, req.chainVer);
  requireState(view, ['SERVING'], 'a read');
  // The content is read into a pooled buffer that goes back once the reply carrying it has been written.
  let lease: PooledBuffer | null = null;
  context.afterReply(() => lease?.release());
  const into = (length: number): Buffer => {
    lease?.release(); // a retry on a newer version: the first buffer holds nothing that is returned
    lease = deps.readBuffers.acquire(length);
    return lease.bytes;
  };
  const result = await view.target.engine.read(req.chunkId, { offset: req.offset, length: req.length, into });
  if (result.state === 'PENDING') {
    throw StorageError.NOT_COMMITTED(`version ${result.updateVer} of the chunk is not committed yet on target ${view.target.targetId}`, {
      context: { chainId: req.chainId, targetId: view.target.targetId, commitVer: result.commitVer, updateVer: result.updateVer },
    });
  }
  return { commitVer: result.commitVer, chunkLength: result.chunkLength, crc32c: result.crc32c, data: result.data };
}
