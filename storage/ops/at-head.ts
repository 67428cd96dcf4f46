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
      try {
        return leftPending === null ? await body(view) : await resumeFailed(deps, view, req.chunkId, leftPending);
      } catch (err) {
        if (view.target.engine.stat(req.chunkId)?.pending != null) deps.updateFailed(req.chainId, req.chunkId);
        throw err;
      }
    });
  });
}

/**
 * The retry of an update of which this replica staged version `leftPending` before (an earlier attempt here failed
 * part way, or this replica was a successor then and is the head now). That version may be visible already, so the
 * update is never applied again:
 *   committed (or a newer version on top of it)   done: the chunk's committed state is the answer
 *   still pending (itself or a newer one on it)    complete it down the chain, then answer
 *   gone (a later remove deleted the chunk)        done too: it took effect before the remove
 */
async function resumeFailed(deps: StorageDeps, view: ChainView, chunkId: Uint8Array, leftPending: number): Promise<WriteRsp> {
  const meta = view.target.engine.stat(chunkId);
  const committed: WriteRsp = { commitVer: meta?.commitVer ?? 0, chunkLength: meta?.length ?? 0, chunkCrc32c: meta?.crc32c ?? 0 };
  if (meta === null || meta.commitVer >= leftPending) return committed;
  if (meta.pending !== null && meta.pending.updateVer >= leftPending) return (await completePending(deps, view, chunkId)) ?? committed;
  return committed;
}
