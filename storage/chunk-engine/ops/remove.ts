import { checkChunkId } from '../chunk-key.ts';
import { toChunkMeta, type EngineCore } from '../engine-core.ts';
import { checkVersion, updateApplies } from '../request-checks.ts';
import type { ChunkId, RemoveRequest, UpdateResult } from '../types.ts';
import { stagePending } from './stage-pending.ts';

/**
 * A remove as a pending tombstone: reads still return the committed content until `commit` deletes the chunk and
 * frees its slots. Removing a missing chunk is STALE (already removed, or never written).
 */
export async function removeChunk(core: EngineCore, chunkId: ChunkId, req: RemoveRequest): Promise<UpdateResult> {
  const key = checkChunkId(chunkId);
  checkVersion('updateVer', req.updateVer, 1);
  checkVersion('chainVer', req.chainVer, 0);
  return core.locks.withLock(key.toString('hex'), async () => {
    const record = core.store.getChunk(key);
    if (record === null || !updateApplies(chunkId, record, req.updateVer, 'self-contained')) {
      core.metrics.increment('storage.chunk.stale_updates');
      return { outcome: 'STALE', meta: record === null ? null : toChunkMeta(key, record) };
    }
    const result = await stagePending(core, 'remove', key, record, {
      kind: 'REMOVE',
      updateVer: req.updateVer,
      chainVer: req.chainVer,
      content: null,
      crc32c: 0,
    });
    core.metrics.increment('storage.chunk.removes');
    return result;
  });
}
