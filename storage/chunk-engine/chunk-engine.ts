import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GeneralError } from '../../infra/errors.ts';
import { ChunkLocks } from './chunk-locks.ts';
import { EngineCore } from './engine-core.ts';
import type { ChunkEngineFaults } from './faults.ts';
import { createLayout, DEFAULT_SIZE_CLASSES, isTargetLayout, type TargetLayout } from './layout.ts';
import { MetaStore } from './meta-store.ts';
import { ChunkEngineMetrics } from './metrics.ts';
import { applyFullChunk, applyRemoveChunk } from './ops/apply-full.ts';
import { commitChunk } from './ops/commit.ts';
import { lastChunkOf, listChunkMetas, statChunk } from './ops/list.ts';
import { readChunk } from './ops/read.ts';
import { readPendingChunk } from './ops/read-pending.ts';
import type { PendingContent } from './ops/read-pending.ts';
import { removeChunk } from './ops/remove.ts';
import { replaceChunk } from './ops/replace.ts';
import { truncateChunk } from './ops/truncate.ts';
import { writeChunk } from './ops/write.ts';
import { recoverTarget, type RecoveryReport } from './recover.ts';
import { SlotFiles } from './slot-files.ts';
import { TargetLock } from './target-lock.ts';
import type {
  ApplyFullRequest,
  ChunkId,
  ChunkMeta,
  CommitRequest,
  CommitResult,
  ListChunksRequest,
  ReadRequest,
  ReadResult,
  RemoveRequest,
  ReplaceRequest,
  SpaceInfo,
  TruncateRequest,
  UpdateResult,
  WriteRequest,
} from './types.ts';

export interface ChunkEngineOptions {
  /** Slot sizes, ascending. Used when the target is created; later opens keep the recorded layout. */
  readonly sizeClasses: readonly number[];
  /** Data files per size class (created when the target is created). */
  readonly filesPerClass: number;
  /** A class's data file grows by about this many bytes (whole slots, at least one) when it runs out of slots. */
  readonly growthBytes: number;
  /** Bytes of slots the target may hold (committed, pending and in-flight versions); null: only the disk limits. */
  readonly capacityBytes: number | null;
  /**
   * fdatasync every slot write and sync every metadata commit before acknowledging (concurrent writers share the
   * syncs of one data file, and lmdb-js commits the transactions of one event turn together). Off only in tests.
   */
  readonly durable: boolean;
  /**
   * Slot contents move with O_DIRECT, bypassing the page cache: straight from and into pooled buffers (the storage
   * service's), others through a pooled copy. Null: on when durable. Falls back to the page cache per file where
   * the file system refuses it.
   */
  readonly directIo: boolean | null;
  readonly faults: ChunkEngineFaults | null;
}

export const DEFAULT_CHUNK_ENGINE_OPTIONS: ChunkEngineOptions = {
  sizeClasses: DEFAULT_SIZE_CLASSES,
  filesPerClass: 4,
  growthBytes: 64 * 1024 * 1024,
  capacityBytes: null,
  durable: true,
  directIo: null,
  faults: null,
};

/**
 * One storage target's chunk store: chunk data in per-size-class slot files, chunk metadata in LMDB beside them.
 *
 *   <dir>/LOCK              pid of the owning process
 *   <dir>/meta.mdb          LMDB: chunk records, slot bitmaps, layout (meta-store.ts)
 *   <dir>/data/<size>.<n>   slot files, e.g. data/64K.000 … data/64M.003 (slot-files.ts)
 *
 * Updates are copy-on-write (a new slot, then one metadata transaction); reads return the committed version,
 * checksum-verified. Versions follow CRAQ: see types.ts and request-checks.ts.
 */
export class ChunkEngine {
  private closing: Promise<void> | null = null;
  private readonly inflight = new Set<Promise<unknown>>();

  private constructor(
    readonly dir: string,
    private readonly core: EngineCore,
    private readonly lock: TargetLock,
    readonly recovery: RecoveryReport,
  ) {}

  static async open(dir: string, options: Partial<ChunkEngineOptions> = {}): Promise<ChunkEngine> {
    const opts: ChunkEngineOptions = { ...DEFAULT_CHUNK_ENGINE_OPTIONS, ...options };
    if (opts.capacityBytes !== null && !(Number.isSafeInteger(opts.capacityBytes) && opts.capacityBytes >= 0)) {
      throw GeneralError.INVALID_ARGUMENT(`capacityBytes must be a non-negative integer or null, got ${opts.capacityBytes}`);
    }
    await mkdir(dir, { recursive: true });
    const lock = await TargetLock.acquire(dir);
    const metrics = new ChunkEngineMetrics();
    let store: MetaStore | null = null;
    let files: SlotFiles | null = null;
    try {
      store = MetaStore.open(join(dir, 'meta.mdb'), { durable: opts.durable });
      const layout = await loadOrCreateLayout(store, opts);
      files = await SlotFiles.open(dir, layout, { durable: opts.durable, directIo: opts.directIo ?? opts.durable, faults: opts.faults, metrics });
      const { allocator, report } = await recoverTarget(layout, store, files, { capacityBytes: opts.capacityBytes, faults: opts.faults });
      const core = new EngineCore(layout, store, files, allocator, new ChunkLocks(), metrics, opts.faults);
      return new ChunkEngine(dir, core, lock, report);
    } catch (err) {
      await files?.close();
      await store?.close();
      await lock.release();
      throw err;
    }
  }

  get layout(): TargetLayout {
    return this.core.layout;
  }

  get metrics(): ChunkEngineMetrics {
    return this.core.metrics;
  }

  /** Partial write → pending version (copy-on-write over the committed content). */
  write(chunkId: ChunkId, req: WriteRequest): Promise<UpdateResult> {
    return this.run(() => writeChunk(this.core, chunkId, req));
  }

  /** Full-chunk write → pending version. */
  replace(chunkId: ChunkId, req: ReplaceRequest): Promise<UpdateResult> {
    return this.run(() => replaceChunk(this.core, chunkId, req));
  }

  truncate(chunkId: ChunkId, req: TruncateRequest): Promise<UpdateResult> {
    return this.run(() => truncateChunk(this.core, chunkId, req));
  }

  /** Pending tombstone; the commit deletes the chunk. */
  remove(chunkId: ChunkId, req: RemoveRequest): Promise<UpdateResult> {
    return this.run(() => removeChunk(this.core, chunkId, req));
  }

  commit(chunkId: ChunkId, req: CommitRequest): Promise<CommitResult> {
    return this.run(() => commitChunk(this.core, chunkId, req));
  }

  read(chunkId: ChunkId, req: ReadRequest): Promise<ReadResult> {
    return this.run(() => readChunk(this.core, chunkId, req));
  }

  /** The content of the pending version (null: none; `content` null: a tombstone), checksum-checked. */
  readPending(chunkId: ChunkId): Promise<PendingContent | null> {
    return this.run(() => readPendingChunk(this.core, chunkId));
  }

  /** Resync: committed full-chunk install. */
  applyFull(chunkId: ChunkId, req: ApplyFullRequest): Promise<ChunkMeta> {
    return this.run(() => applyFullChunk(this.core, chunkId, req));
  }

  /** Resync: immediate delete. */
  applyRemove(chunkId: ChunkId): Promise<boolean> {
    return this.run(() => applyRemoveChunk(this.core, chunkId));
  }

  stat(chunkId: ChunkId): ChunkMeta | null {
    this.assertOpen();
    return statChunk(this.core, chunkId);
  }

  lastChunk(inodeId: bigint): ChunkMeta | null {
    this.assertOpen();
    return lastChunkOf(this.core, inodeId);
  }

  listChunks(req: ListChunksRequest): ChunkMeta[] {
    this.assertOpen();
    return listChunkMetas(this.core, req);
  }

  spaceInfo(): SpaceInfo {
    this.assertOpen();
    const { allocator, files } = this.core;
    return { capacityBytes: allocator.capacityBytes, usedBytes: allocator.usedBytes, fileBytes: files.totalBytes() };
  }

  /** Waits for operations in flight, then closes files and LMDB. Writes nothing, so it is also the crash stand-in. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      await this.core.files.close();
      await this.core.store.close();
      await this.lock.release();
    })();
    return this.closing;
  }

  /** Async operations fail by rejecting, never by throwing synchronously. */
  private run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      this.assertOpen();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const running = operation();
    this.inflight.add(running);
    const forget = (): void => {
      this.inflight.delete(running);
    };
    running.then(forget, forget);
    return running;
  }

  private assertOpen(): void {
    if (this.closing !== null) throw GeneralError.SERVER_UNAVAILABLE(`chunk engine at ${this.dir} is closed`, { context: { dir: this.dir } });
    this.core.assertUsable();
  }
}

async function loadOrCreateLayout(store: MetaStore, opts: ChunkEngineOptions): Promise<TargetLayout> {
  const recorded = store.readLayout();
  if (recorded !== null) {
    if (!isTargetLayout(recorded)) throw GeneralError.INTERNAL('the target records a layout this version cannot read', { context: { recorded } });
    return recorded;
  }
  const layout = createLayout({ sizeClasses: opts.sizeClasses, filesPerClass: opts.filesPerClass, growthBytes: opts.growthBytes });
  await store.writeLayout(layout);
  return layout;
}
