import { toChunkMeta, withPending, type EngineCore } from '../engine-core.ts';
import type { EngineOp } from '../faults.ts';
import type { ChunkRecord, PendingKind, PendingVersion, UpdateResult } from '../types.ts';

/**
 * The copy-on-write step shared by write, replace, truncate and remove: the new content goes to a fresh slot, and
 * one transaction records it as the pending version. The committed version and its slot stay untouched, so reads
 * keep returning them until commit. A pending version this one replaces gives up its slot in the same transaction.
 *
 * The slot's fdatasync runs alongside the transaction rather than before it (one sync less on the update's path),
 * and the update resolves only once both are durable. A crash can therefore leave a durable pending record whose
 * content never reached the disk; recovery checks every pending version's checksum and drops such a one, which is
 * right, since nobody was told it was stored. (A committed record, as apply-full writes, still waits for its data.)
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
  const slot = version.content === null ? null : await core.writeNewSlot(op, chunkId, version.content, 'later');
  const pending: PendingVersion = {
    kind: version.kind,
    updateVer: version.updateVer,
    chainVer: version.chainVer,
    length: version.content?.length ?? 0,
    crc32c: version.crc32c >>> 0,
    slot,
  };
  const next = withPending(record, pending);
  const recorded = core.record({
    op,
    chunkId,
    reserved: slot,
    freed: [record?.pending?.slot ?? null],
    apply: (txn) => txn.putChunk(chunkId, next),
  });
  const synced = slot === null ? null : core.files.syncSlot(slot);
  const [recordedResult, syncedResult] = await Promise.allSettled([recorded, synced]);
  if (recordedResult.status === 'rejected') throw recordedResult.reason;
  if (syncedResult.status === 'rejected') {
    // The record may be durable while its content is not: stop until a reopen, whose recovery drops it.
    core.fail(syncedResult.reason);
    throw syncedResult.reason;
  }
  return { outcome: 'PENDING', meta: toChunkMeta(chunkId, next) };
}
