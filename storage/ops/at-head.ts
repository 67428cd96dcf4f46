import { StorageError } from '../../infra/errors.ts';
import { requireState, stillCurrent, viewChain } from '../chain-view.ts';
import type { ChainView } from '../chain-view.ts';
import { chunkLockKey } from '../chunk-lock.ts';
import type { UpdateTag, WriteRsp } from '../protocol.ts';
import type { StorageDeps } from './deps.ts';

export interface HeadRequest {
  readonly chunkId: Uint8Array;
  readonly chainId: number;
  readonly chainVer: number;
  readonly tag: UpdateTag;
}

/**
 * What every client update (write, remove, truncate) goes through at the chain head:
 *   1. the write fence; a retry of an update already seen returns that update's result
 *   2. only the head (first target, SERVING) takes updates, at the chain version the client holds
 *   3. `body` runs under the chunk lock, after the chain is checked again (it may have changed during the wait)
 */
export function atHead(deps: StorageDeps, req: HeadRequest, what: string, body: (view: ChainView) => Promise<WriteRsp>): Promise<WriteRsp> {
  deps.fence?.check(what);
  return deps.dedup.run(req.tag, async () => {
    const view = await viewChain(deps.routing, deps.targets, req.chainId, req.chainVer);
    if (!view.isHead) {
      throw StorageError.ROUTING_ERROR(`target ${view.target.targetId} is not the head of chain ${req.chainId}`, {
        context: { chainId: req.chainId, targetId: view.target.targetId, state: view.state },
      });
    }
    requireState(view, ['SERVING'], what);
    return deps.locks.withLock(chunkLockKey(view.target.targetId, req.chunkId), async () => {
      deps.fence?.check(what); // again: the wait for the lock can be long
      stillCurrent(deps.routing, view);
      try {
        return await body(view);
      } catch (err) {
        if (view.target.engine.stat(req.chunkId)?.pending != null) deps.updateFailed(req.chainId, req.chunkId);
        throw err;
      }
    });
  });
}
