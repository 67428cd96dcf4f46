import { GeneralError } from '../../../infra/errors.ts';
import { checkChunkId, chunkIdHex, describeChunkId } from '../chunk-key.ts';
import { toChunkMeta, type EngineCore } from '../engine-core.ts';
import { checkVersion } from '../request-checks.ts';
import type { ChunkId, ChunkRecord, CommitRequest, CommitResult } from '../types.ts';

/**
 * Makes pending version `updateVer` the committed one in one transaction, which also frees the old committed slot
 * (a committed tombstone deletes the chunk and frees its slot). Committing a version that is already committed, or a
 * chunk that is gone, is STALE; committing a version that was never staged is a caller error.
 */
export async function commitChunk(core: EngineCore, chunkId: ChunkId, req: CommitRequest): Promise<CommitResult> {
  const key = checkChunkId(chunkId);
  checkVersion('updateVer', req.updateVer, 1);
  return core.locks.withLock(key.toString('hex'), async () => {
    const record = core.store.getChunk(key);
    if (record === null) return { outcome: 'STALE', meta: null };
    const { pending } = record;
    if (pending === null || pending.updateVer !== req.updateVer) {
      if (req.updateVer <= record.commitVer) return { outcome: 'STALE', meta: toChunkMeta(key, record) };
      throw GeneralError.INVALID_ARGUMENT(`${describeChunkId(chunkId)} has no pending version ${req.updateVer} to commit`, {
        context: { chunkId: chunkIdHex(chunkId), updateVer: req.updateVer, commitVer: record.commitVer, pendingVer: pending?.updateVer ?? null },
      });
    }
    const next: ChunkRecord | null =
      pending.kind === 'REMOVE'
        ? null
        : { commitVer: pending.updateVer, commitChainVer: pending.chainVer, length: pending.length, crc32c: pending.crc32c, slot: pending.slot, pending: null };
    await core.record({
      op: 'commit',
      chunkId: key,
      reserved: null,
      freed: [record.slot],
      apply: (txn) => (next === null ? txn.deleteChunk(key) : txn.putChunk(key, next)),
    });
    core.metrics.increment('storage.chunk.commits');
    return { outcome: 'COMMITTED', meta: next === null ? null : toChunkMeta(key, next) };
  });
}
