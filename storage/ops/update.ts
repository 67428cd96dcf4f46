import { StorageError } from '../../infra/errors.ts';
import { requireState, stillCurrent, viewChain } from '../chain-view.ts';
import { chunkLockKey } from '../chunk-lock.ts';
import type { UpdateReq, UpdateRsp } from '../protocol.ts';
import { checkPayload } from './check-data.ts';
import type { StorageDeps } from './deps.ts';
import { stageForwardCommit } from './replicate.ts';

/**
 * A forwarded update, at a successor: check the payload, the chain version and that this target takes writes
 * (SERVING, or SYNCING as the last link), then the same stage-forward-commit step as the head, with the head's
 * version number.
 */
export async function handleUpdate(deps: StorageDeps, req: UpdateReq): Promise<UpdateRsp> {
  const data = checkPayload(req.data, req.crc32c, 'update');
  deps.fence?.check('a forwarded update');
  const view = await viewChain(deps.routing, deps.targets, req.chainId, req.chainVer);
  if (view.isHead) {
    throw StorageError.ROUTING_ERROR(`target ${view.target.targetId} heads chain ${req.chainId} and has no predecessor`, {
      context: { chainId: req.chainId, targetId: view.target.targetId },
    });
  }
  requireState(view, ['SERVING', 'SYNCING'], 'a forwarded update');
  return deps.locks.withLock(chunkLockKey(view.target.targetId, req.chunkId), () => {
    deps.fence?.check('a forwarded update');
    stillCurrent(deps.routing, view);
    // A late copy of an older update (it stalled on its way while its head retried at a newer version) must not
    // replace the newer pending version here: that would let the chain go back to content readers may have seen
    // replaced. The sender's round fails; its client retries at a new version.
    const pending = view.target.engine.stat(req.chunkId)?.pending ?? null;
    // (A SYNCING target may hold any versions from before; installWhole guards it instead.)
    if (view.state === 'SERVING' && pending !== null && req.updateVer < pending.updateVer) {
      throw StorageError.NOT_COMMITTED(`update version ${req.updateVer} arrived after version ${pending.updateVer} at target ${view.target.targetId}`, {
        context: { chainId: req.chainId, targetId: view.target.targetId, updateVer: req.updateVer, pendingVer: pending.updateVer },
      });
    }
    return stageForwardCommit(deps, view, req.chunkId, { kind: req.kind, tags: req.tags ?? [], updateVer: req.updateVer, offset: req.offset, data, crc32c: req.crc32c });
  });
}
