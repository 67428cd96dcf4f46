import { crc32c } from '@node-rs/crc32';
import { StorageError } from '../../infra/errors.ts';
import { requireState, stillCurrent, viewChain } from '../chain-view.ts';
import { chunkLockKey } from '../chunk-lock.ts';
import type { WriteReq, WriteRsp } from '../protocol.ts';
import { checkPayload } from './check-data.ts';
import type { StorageDeps } from './deps.ts';
import { stageForwardCommit, wholeChunk } from './replicate.ts';
import type { ReplicaUpdate } from './replicate.ts';

/**
 * A client write, at the chain head:
 *   1. check the payload's CRC32C; a retry of a write already seen returns that write's result
 *   2. only the head (first target, SERVING) takes writes, at the chain version the client holds
 *   3. under the chunk lock (chain re-checked after the wait): updateVer = commitVer + 1, stage, forward, commit
 *
 * A pending version found under the lock belongs to an earlier update whose round failed (its forward or commit
 * did not come back). Successors may hold it, even committed, so its version number is never reused: the new
 * update takes the next number and goes down the chain as a whole chunk, which no replica applies on top of the
 * abandoned version.
 */
export function handleWrite(deps: StorageDeps, req: WriteReq): Promise<WriteRsp> {
  const data = checkPayload(req.data, req.crc32c, 'write');
  deps.fence?.check('a write');
  return deps.dedup.run(req.tag, async () => {
    const view = await viewChain(deps.routing, deps.targets, req.chainId, req.chainVer);
    if (!view.isHead) {
      throw StorageError.ROUTING_ERROR(`target ${view.target.targetId} is not the head of chain ${req.chainId}`, {
        context: { chainId: req.chainId, targetId: view.target.targetId, state: view.state },
      });
    }
    requireState(view, ['SERVING'], 'a write');
    const { engine, targetId } = view.target;
    return deps.locks.withLock(chunkLockKey(targetId, req.chunkId), async () => {
      stillCurrent(deps.routing, view);
      const meta = engine.stat(req.chunkId);
      const pending = meta?.pending ?? null;
      let update: ReplicaUpdate;
      if (pending === null) {
        update = { kind: 'WRITE', updateVer: (meta?.commitVer ?? 0) + 1, offset: req.offset, data, crc32c: req.crc32c };
      } else {
        const content = await wholeChunk(engine, req.chunkId, { offset: req.offset, data });
        update = { kind: 'REPLACE', updateVer: pending.updateVer + 1, offset: 0, data: content, crc32c: crc32c(content) };
      }
      return stageForwardCommit(deps, view, req.chunkId, update);
    });
  });
}
