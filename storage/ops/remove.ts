import type { RemoveReq, WriteRsp } from '../protocol.ts';
import { atHead } from './at-head.ts';
import type { StorageDeps } from './deps.ts';
import { builtOn, REMOVED, stageForwardCommit } from './replicate.ts';

/**
 * Removes a chunk through the chain, at the head: a pending tombstone at every replica, forwarded, then committed
 * tail to head (each commit deletes the chunk and frees its slot); reads see the old content until then. A chunk
 * the head does not hold is removed already everywhere that serves (commits run tail to head), so that answers at
 * once, and a retried remove is harmless.
 */
export function handleRemove(deps: StorageDeps, req: RemoveReq): Promise<WriteRsp> {
  return atHead(deps, req, 'a remove', async (view) => {
    const meta = view.target.engine.stat(req.chunkId);
    if (meta === null) return REMOVED;
    const updateVer = Math.max(meta.commitVer, meta.pending?.updateVer ?? 0) + 1;
    return stageForwardCommit(deps, view, req.chunkId, { kind: 'REMOVE', tags: builtOn(deps, view, req.chunkId, req.tag), updateVer, offset: 0, data: new Uint8Array(0), crc32c: 0 });
  });
}
