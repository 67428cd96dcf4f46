import { StorageError } from '../../infra/errors.ts';
import { requireState, stillCurrent, viewChain } from '../chain-view.ts';
import type { ChainView } from '../chain-view.ts';
import { chunkLockKey } from '../chunk-lock.ts';
import type { UpdateTag, WriteRsp } from '../protocol.ts';
import type { StorageDeps } from './deps.ts';
import { completePending } from './redrive.ts';

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
  return deps.dedup.run(req.tag, async (leftPending) => {
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
      const pendingBefore = view.target.engine.stat(req.chunkId)?.pending?.updateVer ?? null;
      try {
        return (leftPending === null ? null : await resumeFailed(deps, view, req.chunkId, leftPending)) ?? (await body(view));
      } catch (err) {
        const pending = view.target.engine.stat(req.chunkId)?.pending ?? null;
        if (pending !== null) {
          // Ours only if this attempt staged it; a pending version that was here before belongs to another update.
          if (leftPending !== null || pending.updateVer !== pendingBefore) deps.dedup.leftPending(req.tag, leftPending ?? pending.updateVer);
          deps.updateFailed(req.chainId, req.chunkId);
        }
        throw err;
      }
    });
  });
}

/**
 * The retry of an update whose earlier attempt failed after staging version `leftPending` here. That version may be
 * visible already, so the update is not applied again:
 *   committed, or built on by a newer version      done: the chunk's current committed state is the answer
 *   still pending (itself or a newer one on it)      complete it down the chain, then answer
 *   gone (recovery dropped it: never durable)        null: the caller applies the update afresh
 */
async function resumeFailed(deps: StorageDeps, view: ChainView, chunkId: Uint8Array, leftPending: number): Promise<WriteRsp | null> {
  const meta = view.target.engine.stat(chunkId);
  if (meta === null) return null;
  if (meta.pending !== null && meta.pending.updateVer >= leftPending) return completePending(deps, view, chunkId);
  if (meta.commitVer >= leftPending) return { commitVer: meta.commitVer, chunkLength: meta.length, chunkCrc32c: meta.crc32c };
  return null;
}
