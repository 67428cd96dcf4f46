import { crc32c } from '@node-rs/crc32';
import { checkChunkId } from '../chunk-key.ts';
import { toChunkMeta, type EngineCore } from '../engine-core.ts';
import { maxChunkSize } from '../layout.ts';
import { checkExtent, checkVersion, updateApplies } from '../request-checks.ts';
import type { ChunkId, TruncateRequest, UpdateResult } from '../types.ts';
import { stagePending } from './stage-pending.ts';

/** Shrinks the committed content, or extends it with zeros, as a pending version. A missing chunk starts empty. */
export async function truncateChunk(core: EngineCore, chunkId: ChunkId, req: TruncateRequest): Promise<UpdateResult> {
  const key = checkChunkId(chunkId);
  checkVersion('updateVer', req.updateVer, 1);
  checkVersion('chainVer', req.chainVer, 0);
  checkExtent('length', req.length, maxChunkSize(core.layout));
  return core.locks.withLock(key.toString('hex'), async () => {
    const stored = core.store.getChunk(key);
    if (!updateApplies(chunkId, stored, req.updateVer, 'builds-on-committed')) {
      core.metrics.increment('storage.chunk.stale_updates');
      return { outcome: 'STALE', meta: stored === null ? null : toChunkMeta(key, stored) };
    }
    const { record, content: base } = stored === null ? { record: null, content: Buffer.alloc(0) } : await core.readCommitted(key, stored);
    const content = Buffer.alloc(req.length);
    base.copy(content, 0, 0, Math.min(base.length, req.length));
    const result = await stagePending(core, 'truncate', key, record, {
      kind: 'WRITE',
      updateVer: req.updateVer,
      chainVer: req.chainVer,
      content,
      crc32c: crc32c(content),
    });
    core.metrics.increment('storage.chunk.truncates');
    return result;
  });
}
