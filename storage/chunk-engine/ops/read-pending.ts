import { StorageError } from '../../../infra/errors.ts';
import { crc32c } from '@node-rs/crc32';
import { checkChunkId, chunkIdHex, describeChunkId } from '../chunk-key.ts';
import type { EngineCore } from '../engine-core.ts';
import type { ChunkId, PendingKind } from '../types.ts';

export interface PendingContent {
  readonly kind: PendingKind;
  readonly updateVer: number;
  /** The whole content the pending version would commit; null for a tombstone. */
  readonly content: Buffer | null;
}

/**
 * The content of a chunk's pending version, checked against its CRC32C; null when the chunk has none. CRAQ needs it
 * when an update's round failed part way: replicas further down may already have committed that version (and
 * readers seen it), so the next update builds on it, never on the older committed content.
 */
export async function readPendingChunk(core: EngineCore, chunkId: ChunkId): Promise<PendingContent | null> {
  const key = checkChunkId(chunkId);
  return core.locks.withLock(key.toString('hex'), async () => {
    const pending = core.store.getChunk(key)?.pending ?? null;
    if (pending === null) return null;
    if (pending.kind === 'REMOVE') return { kind: pending.kind, updateVer: pending.updateVer, content: null };
    if (pending.slot === null) return { kind: pending.kind, updateVer: pending.updateVer, content: Buffer.alloc(0) };
    core.allocator.pin(pending.slot);
    let content: Buffer;
    try {
      content = await core.files.readSlot(pending.slot, pending.length);
    } finally {
      core.allocator.unpin(pending.slot);
    }
    if (crc32c(content) !== pending.crc32c >>> 0) {
      core.metrics.increment('storage.chunk.checksum_failures');
      throw StorageError.CHECKSUM_MISMATCH(`pending version ${pending.updateVer} of ${describeChunkId(chunkId)} fails its checksum`, {
        context: { chunkId: chunkIdHex(chunkId), updateVer: pending.updateVer },
      });
    }
    return { kind: pending.kind, updateVer: pending.updateVer, content };
  });
}
