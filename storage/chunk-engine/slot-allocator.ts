import { StorageError } from '../../infra/errors.ts';
import type { ChunkEngineFaults } from './faults.ts';
import { groupBytes, type TargetLayout } from './layout.ts';
import type { GroupKey, MetaTxn } from './meta-store.ts';
import type { SlotFiles } from './slot-files.ts';
import type { SlotAddress } from './types.ts';

/**
 * Hands out slots and keeps the persisted allocation bitmaps in step with the chunk records.
 *
 * A slot's life:
 *
 *   free ──reserve──▶ reserved ──recordInUse (same txn as the record naming it)──▶ in use
 *     ▲                  │ write failed: unreserve                                    │ recordFree (same txn as the
 *     └──────────────────┘                                                            ▼ record dropping it)
 *     └──────────── release, once that txn is durable and no reader has the slot pinned ── freeing
 *
 * Bits change only in the transaction that changes the records, so bitmaps and records cannot disagree after a
 * crash: a slot written but never recorded is simply still free. A freed slot is reused only after its transaction
 * is durable (a crash must not find the old record pointing at overwritten data) and after reads in flight on it end.
 */
export class SlotAllocator {
  /** Allocation bitmaps by `groupId`, mirroring the `slots` database as of the last recorded transaction. */
  private readonly bitmaps = new Map<number, Uint8Array>();
  /** Per class: free slots as `slotKey`s, popped from the end (lowest slot first after growth). */
  private readonly free: number[][];
  /** Per class, per file: groups the file has grown to. */
  private readonly groups: number[][];
  private readonly growing: (Promise<void> | null)[];
  private readonly pins = new Map<number, number>();
  private readonly releaseWhenUnpinned = new Set<number>();
  private used = 0;

  constructor(
    private readonly layout: TargetLayout,
    private readonly files: SlotFiles,
    readonly capacityBytes: number | null,
    private readonly faults: ChunkEngineFaults | null,
    persisted: Iterable<{ readonly group: GroupKey; readonly bitmap: Uint8Array }>,
  ) {
    const classes = layout.sizeClasses.length;
    this.free = Array.from({ length: classes }, () => []);
    this.growing = Array.from({ length: classes }, () => null);
    this.groups = Array.from({ length: classes }, (_, c) =>
      Array.from({ length: layout.filesPerClass }, (_, f) => Math.ceil(files.fileBytes(c, f) / groupBytes(layout, c))),
    );
    for (const { group, bitmap } of persisted) {
      const g = this.groups[group.sizeClass];
      if (g === undefined || group.file >= layout.filesPerClass) continue;
      this.bitmaps.set(this.groupId(group), Uint8Array.from(bitmap));
      g[group.file] = Math.max(g[group.file]!, group.group + 1);
    }
    for (let c = 0; c < classes; c++) {
      const maxGroups = Math.max(...this.groups[c]!);
      const order: number[] = [];
      for (let g = 0; g < maxGroups; g++) {
        for (let f = 0; f < layout.filesPerClass; f++) {
          if (g >= this.groups[c]![f]!) continue;
          const slots = this.groupSlots(c, f, g);
          order.push(...slots);
          this.used += (layout.slotsPerGroup[c]! - slots.length) * layout.sizeClasses[c]!;
        }
      }
      this.free[c] = order.reverse();
    }
  }

  /** Bytes of slots in use, reserved or waiting to be freed. */
  get usedBytes(): number {
    return this.used;
  }

  /** How many bytes each data file must have to hold every grown group (recovery extends short files to this). */
  requiredFileBytes(sizeClass: number, file: number): number {
    return this.groups[sizeClass]![file]! * groupBytes(this.layout, sizeClass);
  }

  /** Takes a free slot of the class, growing a data file by one group when none is left. */
  async reserve(sizeClass: number): Promise<SlotAddress> {
    const size = this.layout.sizeClasses[sizeClass]!;
    if (this.capacityBytes !== null && this.used + size > this.capacityBytes) {
      throw StorageError.NO_SPACE(`target capacity ${this.capacityBytes} bytes reached (${this.used} in use, ${size} more needed)`, {
        context: { capacityBytes: this.capacityBytes, usedBytes: this.used, slotBytes: size },
      });
    }
    this.used += size;
    try {
      const free = this.free[sizeClass]!;
      while (free.length === 0) await this.grow(sizeClass);
      return this.slotOf(sizeClass, free.pop()!);
    } catch (err) {
      this.used -= size;
      throw err;
    }
  }

  /** A reserved slot whose write failed before any record named it goes straight back. */
  unreserve(slot: SlotAddress): void {
    this.pushFree(slot);
  }

  /** Inside the transaction whose record names `slot`. */
  recordInUse(txn: MetaTxn, slot: SlotAddress): void {
    this.setBit(txn, slot, true);
  }

  /** Inside the transaction whose record stops naming `slot`; call `release` once that transaction is durable. */
  recordFree(txn: MetaTxn, slot: SlotAddress): void {
    this.setBit(txn, slot, false);
  }

  release(slot: SlotAddress): void {
    const key = this.pinKey(slot);
    if (this.pins.has(key)) this.releaseWhenUnpinned.add(key);
    else this.pushFree(slot);
  }

  /** Keeps a slot from being reused while a read of it is in flight. */
  pin(slot: SlotAddress): void {
    const key = this.pinKey(slot);
    this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
  }

  unpin(slot: SlotAddress): void {
    const key = this.pinKey(slot);
    const left = (this.pins.get(key) ?? 1) - 1;
    if (left > 0) {
      this.pins.set(key, left);
      return;
    }
    this.pins.delete(key);
    if (this.releaseWhenUnpinned.delete(key)) this.pushFree(slot);
  }

  /** Recovery and tests: whether the persisted bitmap marks `slot` in use. */
  isInUse(slot: SlotAddress): boolean {
    const perGroup = this.layout.slotsPerGroup[slot.sizeClass]!;
    const group = Math.floor(slot.index / perGroup);
    const bitmap = this.bitmaps.get(this.groupId({ sizeClass: slot.sizeClass, file: slot.file, group }));
    const bit = slot.index % perGroup;
    return bitmap !== undefined && (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
  }

  /** Free slots of a class available right now (without growing). */
  freeSlots(sizeClass: number): number {
    return this.free[sizeClass]!.length;
  }

  private grow(sizeClass: number): Promise<void> {
    const running = this.growing[sizeClass];
    if (running !== null && running !== undefined) return running;
    const growth = (async () => {
      // Spread groups over the class's files: the file with the fewest groups grows.
      const perFile = this.groups[sizeClass]!;
      const file = perFile.indexOf(Math.min(...perFile));
      const group = perFile[file]!;
      await this.files.grow(sizeClass, file, (group + 1) * groupBytes(this.layout, sizeClass));
      this.faults?.step('file-grown', { op: 'grow', chunkId: null });
      perFile[file] = group + 1;
      this.free[sizeClass]!.push(...this.groupSlots(sizeClass, file, group).reverse());
    })().finally(() => {
      this.growing[sizeClass] = null;
    });
    this.growing[sizeClass] = growth;
    return growth;
  }

  private setBit(txn: MetaTxn, slot: SlotAddress, inUse: boolean): void {
    const perGroup = this.layout.slotsPerGroup[slot.sizeClass]!;
    const group: GroupKey = { sizeClass: slot.sizeClass, file: slot.file, group: Math.floor(slot.index / perGroup) };
    const id = this.groupId(group);
    let bitmap = this.bitmaps.get(id);
    if (bitmap === undefined) {
      bitmap = new Uint8Array(Math.ceil(perGroup / 8));
      this.bitmaps.set(id, bitmap);
    }
    const bit = slot.index % perGroup;
    if (inUse) bitmap[bit >> 3]! |= 1 << (bit & 7);
    else bitmap[bit >> 3]! &= ~(1 << (bit & 7));
    txn.putBitmap(group, bitmap);
  }

  private pushFree(slot: SlotAddress): void {
    this.used -= this.layout.sizeClasses[slot.sizeClass]!;
    this.free[slot.sizeClass]!.push(slot.file * 2 ** 32 + slot.index);
  }

  /** Slot keys of one group that its bitmap marks free, ascending. */
  private groupSlots(sizeClass: number, file: number, group: number): number[] {
    const perGroup = this.layout.slotsPerGroup[sizeClass]!;
    const bitmap = this.bitmaps.get(this.groupId({ sizeClass, file, group }));
    const out: number[] = [];
    for (let bit = 0; bit < perGroup; bit++) {
      const inUse = bitmap !== undefined && (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
      if (!inUse) out.push(file * 2 ** 32 + group * perGroup + bit);
    }
    return out;
  }

  private slotOf(sizeClass: number, key: number): SlotAddress {
    return { sizeClass, file: Math.floor(key / 2 ** 32), index: key % 2 ** 32 };
  }

  private groupId(group: GroupKey): number {
    return (group.sizeClass * 4096 + group.file) * 2 ** 32 + group.group;
  }

  private pinKey(slot: SlotAddress): number {
    return (slot.sizeClass * 4096 + slot.file) * 2 ** 32 + slot.index;
  }
}
