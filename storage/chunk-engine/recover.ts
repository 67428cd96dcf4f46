import { crc32c } from '@node-rs/crc32';
import type { ChunkEngineFaults } from './faults.ts';
import { groupBytes, type TargetLayout } from './layout.ts';
import { encodeGroupKey, type ChunkEntry, type GroupKey, type MetaStore } from './meta-store.ts';
import { SlotAllocator } from './slot-allocator.ts';
import type { SlotFiles } from './slot-files.ts';
import type { ChunkRecord, SlotAddress } from './types.ts';

/** What `ChunkEngine.open` found and repaired. */
export interface RecoveryReport {
  readonly chunks: number;
  /** Uncommitted versions kept as they were, for the chain to commit or replace. */
  readonly pendingKept: number;
  /**
   * Pending versions whose slot content failed its checksum: dropped. Never acknowledged: a pending version's
   * fdatasync runs alongside its transaction (stage-pending.ts), so a power loss can keep the record and lose the
   * content; so can any crash with `durable: false`.
   */
  readonly pendingDropped: number;
  /** Slots the bitmaps marked in use that no record names (apart from dropped pending versions' slots): freed. */
  readonly orphanSlotsFreed: number;
  /** Slots a record names that the bitmaps marked free: marked in use. */
  readonly unmarkedSlotsClaimed: number;
  /** Data files shorter than the slots in them (a lost ftruncate without `durable`): extended. */
  readonly filesExtended: number;
}

/**
 * Reconciles a target at open, before anything is served. The records are the truth; every rule follows from it:
 *
 *   1. A pending version stays pending: the chain decides (commit it, or replace it with a retry or a full chunk).
 *      Its content is checked first; one that fails its checksum was never durably written, and is dropped.
 *   2. The bitmaps are rebuilt from the records: a set bit no record names is an orphan and is cleared; a slot a
 *      record names is set. With bits written in the record's own transaction neither happens after a crash, so
 *      these counts are normally 0; a crash between a slot write and its transaction leaves the slot free already.
 *   3. Files are extended to cover every slot in use (their content is checked on read as always).
 *
 * Fixes go into one transaction; then the allocator starts from the repaired bitmaps.
 */
export async function recoverTarget(
  layout: TargetLayout,
  store: MetaStore,
  files: SlotFiles,
  options: { readonly capacityBytes: number | null; readonly faults: ChunkEngineFaults | null },
): Promise<{ allocator: SlotAllocator; report: RecoveryReport }> {
  const persisted = new Map<string, { group: GroupKey; bitmap: Uint8Array }>();
  for (const entry of store.bitmaps()) persisted.set(encodeGroupKey(entry.group).toString('hex'), entry);

  const rebuilt = new Map<string, { group: GroupKey; bitmap: Uint8Array }>();
  const droppedSlots = new Map<string, { group: GroupKey; bitmap: Uint8Array }>();
  const mark = (into: typeof rebuilt, slot: SlotAddress): void => {
    const perGroup = layout.slotsPerGroup[slot.sizeClass]!;
    const group: GroupKey = { sizeClass: slot.sizeClass, file: slot.file, group: Math.floor(slot.index / perGroup) };
    const id = encodeGroupKey(group).toString('hex');
    let entry = into.get(id);
    if (entry === undefined) {
      entry = { group, bitmap: new Uint8Array(Math.ceil(perGroup / 8)) };
      into.set(id, entry);
    }
    const bit = slot.index % perGroup;
    entry.bitmap[bit >> 3]! |= 1 << (bit & 7);
  };
  const markInUse = (slot: SlotAddress): void => mark(rebuilt, slot);

  // One synchronous pass over the records (no await while the LMDB cursor is open); pending ones are few and are
  // checked afterwards.
  let chunks = 0;
  const pendings: ChunkEntry[] = [];
  for (const entry of store.chunkRange({ start: null, end: null, reverse: false, limit: null })) {
    chunks += 1;
    if (entry.record.slot !== null) markInUse(entry.record.slot);
    if (entry.record.pending !== null) pendings.push(entry);
  }
  let pendingKept = 0;
  const dropped: { chunkId: Buffer; record: ChunkRecord }[] = [];
  for (const { chunkId, record } of pendings) {
    const pending = record.pending!;
    if (pending.slot !== null && crc32c(await files.readSlot(pending.slot, pending.length)) !== pending.crc32c) {
      dropped.push({ chunkId, record: { ...record, pending: null } });
      mark(droppedSlots, pending.slot);
      continue;
    }
    if (pending.slot !== null) markInUse(pending.slot);
    pendingKept += 1;
  }

  let orphanSlotsFreed = 0;
  let unmarkedSlotsClaimed = 0;
  const changed: { group: GroupKey; bitmap: Uint8Array }[] = [];
  for (const id of new Set([...persisted.keys(), ...rebuilt.keys()])) {
    const before = persisted.get(id);
    const after = rebuilt.get(id) ?? { group: before!.group, bitmap: new Uint8Array(before!.bitmap.length) };
    let differs = false;
    for (let i = 0; i < after.bitmap.length; i++) {
      const was = before?.bitmap[i] ?? 0;
      const now = after.bitmap[i]!;
      orphanSlotsFreed += popcount(was & ~now & ~(droppedSlots.get(id)?.bitmap[i] ?? 0));
      unmarkedSlotsClaimed += popcount(now & ~was);
      differs ||= was !== now;
    }
    if (differs || before === undefined) changed.push(after);
  }
  if (changed.length > 0 || dropped.length > 0) {
    await store.transact((txn) => {
      for (const { group, bitmap } of changed) txn.putBitmap(group, bitmap);
      for (const { chunkId, record } of dropped) txn.putChunk(chunkId, record);
    });
  }

  let filesExtended = 0;
  const groupsNeeded = new Map<string, number>();
  for (const { group } of rebuilt.values()) {
    const id = `${group.sizeClass}:${group.file}`;
    groupsNeeded.set(id, Math.max(groupsNeeded.get(id) ?? 0, group.group + 1));
  }
  for (const [id, groups] of groupsNeeded) {
    const [sizeClass, file] = id.split(':').map(Number) as [number, number];
    const bytes = groups * groupBytes(layout, sizeClass);
    if (files.fileBytes(sizeClass, file) < bytes) {
      await files.grow(sizeClass, file, bytes);
      filesExtended += 1;
    }
  }

  const allocator = new SlotAllocator(layout, files, options.capacityBytes, options.faults, rebuilt.values());
  return {
    allocator,
    report: { chunks, pendingKept, pendingDropped: dropped.length, orphanSlotsFreed, unmarkedSlotsClaimed, filesExtended },
  };
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte & 0xff; b !== 0; b &= b - 1) n += 1;
  return n;
}
