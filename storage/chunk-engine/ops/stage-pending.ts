import { toChunkMeta, withPending, type EngineCore } from '../engine-core.ts';
import type { EngineOp } from '../faults.ts';
import type { ChunkRecord, PendingKind, PendingVersion, UpdateResult } from '../types.ts';

/**
 * The copy-on-write step shared by write, replace, truncate and remove: the new content goes to a fresh slot
 * (durable first), then one transaction records it as the pending version. The committed version and its slot stay
 * untouched, so reads keep returning them until commit. A pending version this one replaces gives up its slot in the
 * same transaction.
 */
export async function stagePending(
  core: EngineCore,
  op: EngineOp,
  chunkId: Buffer,
  record: ChunkRecord | null,
  version: {
    readonly kind: PendingKind;
    readonly updateVer: number;
    readonly chainVer: number;
    /** null for a tombstone. */
    readonly content: Uint8Array | null;
    readonly crc32c: number;
  },
): Promise<UpdateResult> {
  const slot = version.content === null ? null : await core.writeNewSlot(op, chunkId, version.content);
  const pending: PendingVersion = {
    kind: version.kind,
    updateVer: version.updateVer,
    chainVer: version.chainVer,
    length: version.content?.length ?? 0,
    crc32c: version.crc32c >>> 0,
    slot,
  };
  const next = withPending(record, pending);
  await core.record({
    op,
    chunkId,
    reserved: slot,
    freed: [record?.pending?.slot ?? null],
    apply: (txn) => txn.putChunk(chunkId, next),
  });
  return { outcome: 'PENDING', meta: toChunkMeta(chunkId, next) };
}
