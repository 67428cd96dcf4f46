import { crc32c } from '@node-rs/crc32';
import { GeneralError, StorageError } from '../../infra/errors.ts';
import { chunkIdHex, describeChunkId } from './chunk-key.ts';
import type { ChunkLocks } from './chunk-locks.ts';
import type { ChunkEngineFaults, EngineOp } from './faults.ts';
import { sizeClassFor, type TargetLayout } from './layout.ts';
import type { MetaStore, MetaTxn } from './meta-store.ts';
import type { ChunkEngineMetrics } from './metrics.ts';
import type { SlotAllocator } from './slot-allocator.ts';
import type { ReadInto, SlotFiles } from './slot-files.ts';
import type { ChunkMeta, ChunkRecord, PendingVersion, SlotAddress } from './types.ts';

/** A chunk that has never been written: version 0, empty. */
export const EMPTY_RECORD: ChunkRecord = { commitVer: 0, commitChainVer: 0, length: 0, crc32c: 0, slot: null, pending: null };

/** The parts every operation shares, and the steps they are built from. */
export class EngineCore {
  /** Set when a metadata commit failed: memory may no longer match disk, so only a reopen (recovery) may continue. */
  private failure: Error | null = null;

  constructor(
    readonly layout: TargetLayout,
    readonly store: MetaStore,
    readonly files: SlotFiles,
    readonly allocator: SlotAllocator,
    readonly locks: ChunkLocks,
    readonly metrics: ChunkEngineMetrics,
    private readonly faults: ChunkEngineFaults | null,
  ) {}

  /**
   * The committed content of `record`, checksum verified. A mismatch is re-checked against a fresh record first: if
   * the chunk changed meanwhile the read is retried on the new version; otherwise the slot is damaged.
   */
  async readCommitted(chunkId: Buffer, record: ChunkRecord, into?: ReadInto): Promise<{ record: ChunkRecord; content: Buffer }> {
    let current = record;
    for (;;) {
      const { slot } = current;
      if (slot === null) return { record: current, content: Buffer.alloc(0) };
      this.allocator.pin(slot);
      let content: Buffer;
      try {
        content = await this.files.readSlot(slot, current.length, into);
      } finally {
        this.allocator.unpin(slot);
      }
      const actual = crc32c(content);
      if (actual === current.crc32c) return { record: current, content };
      // A slot freed and reused between reading the record and pinning the slot fails its checksum too.
      const fresh = this.store.getChunk(chunkId);
      if (fresh === null) {
        throw StorageError.CHUNK_NOT_FOUND(`${describeChunkId(chunkId)} was removed while being read`, { context: { chunkId: chunkIdHex(chunkId) } });
      }
      if (fresh.commitVer !== current.commitVer || !sameSlot(fresh.slot, slot)) {
        current = fresh;
        continue;
      }
      this.metrics.increment('storage.chunk.checksum_failures');
      throw StorageError.CHECKSUM_MISMATCH(`stored data of ${describeChunkId(chunkId)} version ${current.commitVer} fails its checksum`, {
        context: { chunkId: chunkIdHex(chunkId), commitVer: current.commitVer, expected: current.crc32c, actual, path: this.files.pathOf(slot), slot },
      });
    }
  }

  /**
   * Puts `content` into a newly reserved slot; null for empty content. With `sync: 'now'` the content is durable
   * before it returns; with `'later'` the caller owes a `files.syncSlot` before it acknowledges anything.
   */
  async writeNewSlot(op: EngineOp, chunkId: Buffer, content: Uint8Array, sync: 'now' | 'later' = 'now'): Promise<SlotAddress | null> {
    const sizeClass = sizeClassFor(this.layout, content.length);
    if (sizeClass === null) return null;
    const slot = await this.allocator.reserve(sizeClass);
    try {
      await this.files.writeSlot(slot, content, { op, chunkId }, sync);
    } catch (err) {
      this.allocator.unreserve(slot);
      throw err;
    }
    return slot;
  }

  /**
   * The metadata step of every operation: one transaction that writes the records (`apply`) and flips the bitmap
   * bits of `inUse` and `freed` slots; then `freed` slots become reusable. `reserved` is the new slot the operation
   * wrote, returned to the free list if the operation stops before its transaction.
   */
  async record(step: {
    readonly op: EngineOp;
    readonly chunkId: Buffer;
    readonly reserved: SlotAddress | null;
    readonly freed: readonly (SlotAddress | null)[];
    readonly apply: (txn: MetaTxn) => void;
  }): Promise<void> {
    const freed = step.freed.filter((slot): slot is SlotAddress => slot !== null);
    try {
      this.assertUsable();
      this.faults?.step('metadata-write', { op: step.op, chunkId: step.chunkId });
    } catch (err) {
      if (step.reserved !== null) this.allocator.unreserve(step.reserved);
      throw err;
    }
    try {
      await this.store.transact((txn) => {
        step.apply(txn);
        if (step.reserved !== null) this.allocator.recordInUse(txn, step.reserved);
        for (const slot of freed) this.allocator.recordFree(txn, slot);
      });
    } catch (err) {
      // The bitmap mirror already holds this transaction's bits: memory and disk may now disagree.
      this.failure = err instanceof Error ? err : new Error(String(err));
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOSPC') throw StorageError.NO_SPACE('disk full committing chunk metadata', { cause: err });
      throw GeneralError.INTERNAL(`chunk metadata commit failed; the target must be reopened`, { cause: err });
    }
    if (step.reserved !== null) this.metrics.increment('storage.chunk.slots_allocated');
    this.faults?.step('metadata-written', { op: step.op, chunkId: step.chunkId });
    for (const slot of freed) this.allocator.release(slot);
    this.metrics.increment('storage.chunk.slots_freed', freed.length);
  }

  /** Stops the engine after a failure that may leave memory and disk disagreeing; only a reopen may continue. */
  fail(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
  }

  assertUsable(): void {
    if (this.failure !== null) {
      throw GeneralError.INTERNAL('chunk engine stopped after a failed metadata commit; reopen the target', { cause: this.failure });
    }
  }
}

export function toChunkMeta(chunkId: Buffer, record: ChunkRecord): ChunkMeta {
  const { pending } = record;
  return {
    chunkId: Uint8Array.from(chunkId),
    state: pending === null ? 'COMMIT' : 'PENDING',
    updateVer: pending?.updateVer ?? record.commitVer,
    chainVer: pending?.chainVer ?? record.commitChainVer,
    ...record,
  };
}

/** The record with `pending` as its pending version. */
export function withPending(record: ChunkRecord | null, pending: PendingVersion): ChunkRecord {
  return { ...(record ?? EMPTY_RECORD), pending };
}

export function sameSlot(a: SlotAddress | null, b: SlotAddress | null): boolean {
  if (a === null || b === null) return a === b;
  return a.sizeClass === b.sizeClass && a.file === b.file && a.index === b.index;
}
