import { checkChunkId } from '../chunk-key.ts';
import { toChunkMeta, type EngineCore } from '../engine-core.ts';
import { maxChunkSize } from '../layout.ts';
import { checkDataChecksum, checkExtent, checkVersion, updateApplies } from '../request-checks.ts';
import type { ChunkId, ReplaceRequest, UpdateResult } from '../types.ts';
import { stagePending } from './stage-pending.ts';

/**
 * A full-chunk write as a pending version: `data` is the whole new content. It does not build on the committed
 * version, so it may skip versions (CRAQ forwards writes to a syncing target this way).
 */
export async function replaceChunk(core: EngineCore, chunkId: ChunkId, req: ReplaceRequest): Promise<UpdateResult> {
  const key = checkChunkId(chunkId);
  checkVersion('updateVer', req.updateVer, 1);
  checkVersion('chainVer', req.chainVer, 0);
  checkExtent('length', req.data.length, maxChunkSize(core.layout));
  checkDataChecksum(chunkId, req.data, req.crc32c);
  return core.locks.withLock(key.toString('hex'), async () => {
    const record = core.store.getChunk(key);
    if (!updateApplies(chunkId, record, req.updateVer, 'self-contained')) {
      core.metrics.increment('storage.chunk.stale_updates');
      return { outcome: 'STALE', meta: record === null ? null : toChunkMeta(key, record) };
    }
    const result = await stagePending(core, 'replace', key, record, {
      kind: 'WRITE',
      updateVer: req.updateVer,
      chainVer: req.chainVer,
      content: req.data,
      crc32c: req.crc32c,
    });
    core.metrics.increment('storage.chunk.writes');
    core.metrics.increment('storage.chunk.write_bytes', req.data.length);
    return result;
  });
}
