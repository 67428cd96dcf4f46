import { checkChunkId } from '../chunk-key.ts';
import { toChunkMeta, type EngineCore } from '../engine-core.ts';
import { maxChunkSize } from '../layout.ts';
import { checkDataChecksum, checkExtent, checkVersion } from '../request-checks.ts';
import type { ApplyFullRequest, ChunkId, ChunkMeta, ChunkRecord } from '../types.ts';

/**
 * Resync: installs a committed full-chunk version sent by the chain predecessor, replacing every local version
 * (committed and pending) whatever their numbers; the source is authoritative. New slot first, then one transaction.
 */
export async function applyFullChunk(core: EngineCore, chunkId: ChunkId, req: ApplyFullRequest): Promise<ChunkMeta> {
  const key = checkChunkId(chunkId);
  checkVersion('commitVer', req.commitVer, 1);
  checkVersion('chainVer', req.chainVer, 0);
  checkExtent('length', req.data.length, maxChunkSize(core.layout));
  checkDataChecksum(chunkId, req.data, req.crc32c);
  return core.locks.withLock(key.toString('hex'), async () => {
    const old = core.store.getChunk(key);
    const slot = await core.writeNewSlot('apply-full', key, req.data);
    const next: ChunkRecord = { commitVer: req.commitVer, commitChainVer: req.chainVer, length: req.data.length, crc32c: req.crc32c >>> 0, slot, pending: null };
    await core.record({
      op: 'apply-full',
      chunkId: key,
      reserved: slot,
      freed: [old?.slot ?? null, old?.pending?.slot ?? null],
      apply: (txn) => txn.putChunk(key, next),
    });
    core.metrics.increment('storage.chunk.apply_full');
    core.metrics.increment('storage.chunk.write_bytes', req.data.length);
    return toChunkMeta(key, next);
  });
}

/** Resync: deletes a chunk the predecessor does not have, at once and whatever its versions. False if it was absent. */
export async function applyRemoveChunk(core: EngineCore, chunkId: ChunkId): Promise<boolean> {
  const key = checkChunkId(chunkId);
  return core.locks.withLock(key.toString('hex'), async () => {
    const old = core.store.getChunk(key);
    if (old === null) return false;
    await core.record({
      op: 'apply-remove',
      chunkId: key,
      reserved: null,
      freed: [old.slot, old.pending?.slot ?? null],
      apply: (txn) => txn.deleteChunk(key),
    });
    core.metrics.increment('storage.chunk.removes');
    return true;
  });
}
