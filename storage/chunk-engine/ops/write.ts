import { crc32c } from '@node-rs/crc32';
import { checkChunkId } from '../chunk-key.ts';
import { toChunkMeta, type EngineCore } from '../engine-core.ts';
import { maxChunkSize } from '../layout.ts';
import { checkDataChecksum, checkExtent, checkVersion, updateApplies } from '../request-checks.ts';
import type { ChunkId, UpdateResult, WriteRequest } from '../types.ts';
import { stagePending } from './stage-pending.ts';

/**
 * A partial write as a pending version: committed content with `data` laid over it at `offset` (a gap past the end
 * reads as zeros), in a new slot.
 */
export async function writeChunk(core: EngineCore, chunkId: ChunkId, req: WriteRequest): Promise<UpdateResult> {
  const key = checkChunkId(chunkId);
  checkVersion('updateVer', req.updateVer, 1);
  checkVersion('chainVer', req.chainVer, 0);
  checkExtent('offset', req.offset, maxChunkSize(core.layout));
  checkExtent('offset + length', req.offset + req.data.length, maxChunkSize(core.layout));
  checkDataChecksum(chunkId, req.data, req.crc32c);
  return core.locks.withLock(key.toString('hex'), async () => {
    const stored = core.store.getChunk(key);
    if (!updateApplies(chunkId, stored, req.updateVer, 'builds-on-committed')) {
      core.metrics.increment('storage.chunk.stale_updates');
      return { outcome: 'STALE', meta: stored === null ? null : toChunkMeta(key, stored) };
    }
    const { record, content: base } = stored === null ? { record: null, content: Buffer.alloc(0) } : await core.readCommitted(key, stored);
    const end = req.offset + req.data.length;
    const content = Buffer.alloc(Math.max(base.length, end));
    base.copy(content);
    content.set(req.data, req.offset);
    // An append extends the committed checksum instead of hashing the whole chunk again.
    const checksum = req.offset === base.length && record !== null ? crc32c(req.data, record.crc32c) : crc32c(content);
    const result = await stagePending(core, 'write', key, record, {
      kind: 'WRITE',
      updateVer: req.updateVer,
      chainVer: req.chainVer,
      content,
      crc32c: checksum,
    });
    core.metrics.increment('storage.chunk.writes');
    core.metrics.increment('storage.chunk.write_bytes', req.data.length);
    return result;
  });
}
