import { crc32c } from '@node-rs/crc32';
import { checkChunkId } from '../chunk-key.ts';
import { toChunkMeta, type EngineCore } from '../engine-core.ts';
import { maxChunkSize } from '../layout.ts';
import { checkDataChecksum, checkExtent, checkVersion, updateApplies } from '../request-checks.ts';
import type { ChunkId, ChunkRecord, UpdateResult, WriteRequest } from '../types.ts';
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
    const { record, content, checksum } = await newContent(core, key, stored, req);
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

/**
 * The new version's content and CRC32C. A write from offset 0 that is at least as long as the committed content
 * replaces all of it: the request's bytes are the content as they are (no copy) and its checksum, verified above, is
 * the content's, so the committed version is not even read. Otherwise the committed content is read (and verified)
 * and the write laid over it in a new buffer.
 */
async function newContent(
  core: EngineCore,
  key: Buffer,
  stored: ChunkRecord | null,
  req: WriteRequest,
): Promise<{ record: ChunkRecord | null; content: Uint8Array; checksum: number }> {
  if (req.offset === 0 && req.data.length >= (stored?.length ?? 0)) return { record: stored, content: req.data, checksum: req.crc32c >>> 0 };
  const { record, content: base } = stored === null ? { record: null, content: Buffer.alloc(0) } : await core.readCommitted(key, stored);
  const end = req.offset + req.data.length;
  const content = Buffer.alloc(Math.max(base.length, end));
  base.copy(content);
  content.set(req.data, req.offset);
  // An append extends the committed checksum instead of hashing the whole chunk again.
  const checksum = req.offset === base.length && record !== null ? crc32c(req.data, record.crc32c) : crc32c(content);
  return { record, content, checksum };
}
