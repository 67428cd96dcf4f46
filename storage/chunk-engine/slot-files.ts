import { constants } from 'node:fs';
import { mkdir, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GeneralError, StorageError } from '../../infra/errors.ts';
import { alignedCapacity, BUFFER_POOL_DEFAULTS, BufferPool } from '../../infra/rpc/index.ts';
import type { PooledBuffer } from '../../infra/rpc/index.ts';
import type { ChunkEngineFaults, StepContext } from './faults.ts';
import type { ChunkEngineMetrics } from './metrics.ts';
import { sizeLabel, type TargetLayout } from './layout.ts';
import type { SlotAddress } from './types.ts';

/**
 * The data files: `data/<class size>.<file number>` (`data/64K.000`, `data/1M.003`), each an array of equal slots.
 * Slot `index` of a class of `size` bytes sits at byte `index * size`. Files only grow, in whole slot groups.
 *
 * Node has no fallocate, so growth is an ftruncate that leaves the new range sparse; the configured capacity, not
 * the file size, bounds space, and a full disk surfaces as STORAGE_NO_SPACE on the slot write that hits it.
 */
export class SlotFiles {
  private readonly handles = new Map<string, Promise<DataFile>>();

  private constructor(
    private readonly dataDir: string,
    private readonly layout: TargetLayout,
    private readonly sizes: Map<string, number>,
    private readonly durable: boolean,
    private readonly directIo: boolean,
    private readonly faults: ChunkEngineFaults | null,
    private readonly metrics: ChunkEngineMetrics | null,
  ) {}

  /** Aligned buffers that contents outside the service's pools are copied through for direct I/O. */
  private readonly bounceBuffers = new BufferPool({ maxIdleBytes: 16 * 1024 * 1024 });

  /** `directIo`: move slot contents that sit in pooled (aligned) buffers with O_DIRECT (see `directSpan`). */
  static async open(
    dir: string,
    layout: TargetLayout,
    options: { durable: boolean; directIo?: boolean; faults: ChunkEngineFaults | null; metrics?: ChunkEngineMetrics },
  ): Promise<SlotFiles> {
    const dataDir = join(dir, 'data');
    await mkdir(dataDir, { recursive: true });
    const sizes = new Map<string, number>();
    const names = new Set(await readdir(dataDir));
    for (let sizeClass = 0; sizeClass < layout.sizeClasses.length; sizeClass++) {
      for (let file = 0; file < layout.filesPerClass; file++) {
        const name = fileName(layout, sizeClass, file);
        if (names.has(name)) sizes.set(name, (await stat(join(dataDir, name))).size);
      }
    }
    return new SlotFiles(dataDir, layout, sizes, options.durable, options.directIo ?? false, options.faults, options.metrics ?? null);
  }

  /** Current length of a data file (0 when it does not exist yet). */
  fileBytes(sizeClass: number, file: number): number {
    return this.sizes.get(fileName(this.layout, sizeClass, file)) ?? 0;
  }

  totalBytes(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }

  /** Extends a data file to `bytes` (never shrinks) and syncs the new length. */
  async grow(sizeClass: number, file: number, bytes: number): Promise<void> {
    const name = fileName(this.layout, sizeClass, file);
    if (bytes <= (this.sizes.get(name) ?? 0)) return;
    const data = await this.handle(name);
    await ioStep(data.path, async () => {
      this.faults?.step('file-grow', { op: 'grow', chunkId: null });
      await data.fh.truncate(bytes);
      if (this.durable) await data.sync();
    });
    this.sizes.set(name, bytes);
  }

  /**
   * Writes one version's content at the start of its slot. With `sync: 'now'` it is durable when the promise
   * resolves (unless not durable); with `'later'` the caller must `syncSlot` before it relies on the bytes.
   */
  async writeSlot(slot: SlotAddress, content: Uint8Array, context: StepContext, sync: 'now' | 'later' = 'now'): Promise<void> {
    const size = this.layout.sizeClasses[slot.sizeClass]!;
    if (content.length > size) throw GeneralError.INTERNAL(`content of ${content.length} bytes does not fit a ${size}-byte slot`);
    const data = await this.handle(fileName(this.layout, slot.sizeClass, slot.file));
    await ioStep(data.path, async () => {
      this.faults?.step('slot-write', context);
      const direct = this.directIo && content.length > 0 ? await data.directHandle() : null;
      // Content outside a pooled buffer (a partial write's new version, a resync slice) goes through a pooled copy,
      // so that a file's slots all move one way: mixing in the page cache can leave a cached page stale.
      const bounce = direct !== null && directSpan(content, content.length, size) === null ? this.bounce(content.length, size) : null;
      try {
        if (bounce !== null) bounce.bytes.set(content);
        const source = bounce?.bytes ?? content;
        const span = direct === null ? null : directSpan(source, content.length, size);
        span?.fill(0, content.length); // the rounding bytes: slack of the slot, never read back as content
        const wrote = span !== null && direct !== null && (await writeAll(direct, span, slot.index * size, data));
        if (wrote) this.metrics?.increment('storage.chunk.direct_write_bytes', content.length);
        else await writeAll(data.fh, content, slot.index * size, null);
      } finally {
        bounce?.release();
      }
      if (this.durable && sync === 'now') await data.sync();
    });
  }

  /** A pooled buffer to move `length` bytes of a `slotSize` slot through with O_DIRECT; null when none fits. */
  private bounce(length: number, slotSize: number): PooledBuffer | null {
    if (length > BUFFER_POOL_DEFAULTS.maxPooledBytes || slotSize % DIRECT_BLOCK !== 0) return null;
    return this.bounceBuffers.acquire(length);
  }

  /**
   * Makes the slot's written content durable (no-op unless durable). Writers to one file share fdatasync calls
   * (group commit, see DataFile), so concurrent updates pay for one sync between them.
   */
  async syncSlot(slot: SlotAddress): Promise<void> {
    if (!this.durable) return;
    const data = await this.handle(fileName(this.layout, slot.sizeClass, slot.file));
    await ioStep(data.path, () => data.sync());
  }

  /** The slot's first `length` bytes, in a new buffer or in the one `into` hands out. */
  async readSlot(slot: SlotAddress, length: number, into?: ReadInto): Promise<Buffer> {
    const size = this.layout.sizeClasses[slot.sizeClass]!;
    const data = await this.handle(fileName(this.layout, slot.sizeClass, slot.file));
    const out = into === undefined ? Buffer.allocUnsafe(length) : into(length);
    await ioStep(data.path, async () => {
      const direct = this.directIo && length > 0 ? await data.directHandle() : null;
      // As in writeSlot: a buffer that cannot take a direct read gets a pooled copy, not the page cache.
      const bounce = direct !== null && directSpan(out, length, size) === null ? this.bounce(length, size) : null;
      try {
        const target = bounce?.bytes ?? out;
        const span = direct === null ? null : directSpan(target, length, size);
        let done = span !== null && direct !== null ? await readAll(direct, span, slot.index * size, data) : null;
        if (done !== null) {
          this.metrics?.increment('storage.chunk.direct_read_bytes', Math.min(done, length));
          if (bounce !== null) bounce.bytes.copy(out, 0, 0, Math.min(done, length));
        }
        done ??= (await readAll(data.fh, out, slot.index * size, null)) ?? 0;
        // A slot past the end of its file reads as zeros; its checksum check then reports the damage.
        if (done < length) out.fill(0, done, length);
      } finally {
        bounce?.release();
      }
    });
    return out;
  }

  pathOf(slot: SlotAddress): string {
    return join(this.dataDir, fileName(this.layout, slot.sizeClass, slot.file));
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    for (const settled of await Promise.allSettled(handles)) {
      if (settled.status === 'fulfilled') await settled.value.close();
    }
  }

  private handle(name: string): Promise<DataFile> {
    let found = this.handles.get(name);
    if (found === undefined) {
      const path = join(this.dataDir, name);
      found = ioStep(path, async () => new DataFile(path, await open(path, constants.O_RDWR | constants.O_CREAT, 0o644)));
      this.handles.set(name, found);
      found.catch(() => this.handles.delete(name));
    }
    return found;
  }
}

/** Hands out a buffer of exactly `length` bytes for a read to fill (a pooled one, say). */
export type ReadInto = (length: number) => Buffer;

export function fileName(layout: TargetLayout, sizeClass: number, file: number): string {
  return `${sizeLabel(layout.sizeClasses[sizeClass]!)}.${String(file).padStart(3, '0')}`;
}

/**
 * One open data file. Concurrent writers to a file share fdatasync calls: a sync requested while one runs waits for
 * the next one, which starts as soon as the current one ends and covers every write issued before it started.
 */
class DataFile {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  /** The file opened with O_DIRECT, once asked for (null: not yet, or the last try failed for a passing reason). */
  private direct: Promise<FileHandle | null> | null = null;
  /** Direct I/O is off for this file: its file system refuses O_DIRECT, or refused a transfer (EINVAL). */
  private directOff = false;

  constructor(
    readonly path: string,
    readonly fh: FileHandle,
  ) {}

  /**
   * The O_DIRECT handle, or null to go through the page cache. A file system that refuses O_DIRECT turns it off for
   * good; any other failure to open (too many open files, say) only for this transfer.
   */
  async directHandle(): Promise<FileHandle | null> {
    if (this.directOff) return null;
    this.direct ??= open(this.path, constants.O_RDWR | constants.O_DIRECT).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'EINVAL' || code === 'EOPNOTSUPP' || code === 'ENOTSUP') this.directOff = true;
      else this.direct = null;
      return null;
    });
    return this.direct;
  }

  /**
   * After the kernel refused an aligned direct transfer (EINVAL): this file goes through the page cache from now
   * on. The handle stays open until `close`, so transfers already using it finish normally.
   */
  stopDirect(): void {
    this.directOff = true;
  }

  async close(): Promise<void> {
    this.directOff = true;
    const direct = await this.direct?.catch(() => null);
    await direct?.close();
    await this.fh.close();
  }

  sync(): Promise<void> {
    if (this.running === null) {
      this.running = this.fh.datasync().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.sync();
      });
    return this.queued;
  }
}

/** Direct transfers move whole blocks of this size, at offsets that are multiples of it. */
const DIRECT_BLOCK = 4096;

/**
 * The bytes to move with O_DIRECT for `length` bytes of `bytes`, or null when they cannot go that way: only a
 * pooled buffer's view is aligned in memory (see alignedCapacity), and the length rounds up to whole blocks, which
 * must fit the buffer's capacity and the slot.
 *
 * Why: writes through the page cache copy every byte into page-cache pages, and on this VM a page the guest has
 * not touched before costs the host a fault on first use: in the engine alone, 1 MiB durable writes of new chunks
 * took ~2.9 ms of CPU per MiB buffered and ~0.17 ms direct. Reads of such chunks then go direct too: read through
 * the page cache, they fill new pages the same way.
 */
function directSpan(bytes: Uint8Array, length: number, slotSize: number): Buffer | null {
  const capacity = alignedCapacity(bytes);
  if (length === 0 || capacity === null || slotSize % DIRECT_BLOCK !== 0) return null;
  const padded = Math.ceil(length / DIRECT_BLOCK) * DIRECT_BLOCK;
  if (padded > slotSize || padded > capacity) return null;
  return Buffer.from(bytes.buffer, bytes.byteOffset, padded);
}

/**
 * Writes all of `bytes` at `position`. Through a direct handle (`direct` set), a refused transfer (see
 * `refusedDirect`) returns false and the caller writes the whole content again through the page cache.
 */
async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number, direct: DataFile | null): Promise<boolean> {
  let done = 0;
  try {
    while (done < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  } catch (err) {
    if (refusedDirect(err, direct, done)) return false;
    throw err;
  }
  return true;
}

/** Reads up to `bytes.length` bytes at `position`: how many arrived (fewer at the end of the file), or null as `writeAll`. */
async function readAll(fh: FileHandle, bytes: Buffer, position: number, direct: DataFile | null): Promise<number | null> {
  let done = 0;
  try {
    while (done < bytes.length) {
      const { bytesRead } = await fh.read(bytes, done, bytes.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
  } catch (err) {
    if (refusedDirect(err, direct, done)) return null;
    throw err;
  }
  return done;
}

/**
 * Whether `err` is the kernel refusing a direct transfer (EINVAL) of `direct`'s file. Refused before any byte moved
 * (an aligned transfer), direct I/O goes off for the file; after a short transfer only the unaligned rest was.
 */
function refusedDirect(err: unknown, direct: DataFile | null, done: number): boolean {
  if (direct === null || (err as NodeJS.ErrnoException | null)?.code !== 'EINVAL') return false;
  if (done === 0) direct.stopDirect();
  return true;
}

/** Maps a full disk to STORAGE_NO_SPACE and other I/O failures to INTERNAL, naming the file. */
async function ioStep<T>(path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw StorageError.NO_SPACE(`disk full writing ${path}`, { context: { path, errno: code }, cause: err });
    }
    if (typeof code === 'string' && code.startsWith('E')) {
      throw GeneralError.INTERNAL(`I/O error on ${path}: ${code}`, { context: { path, errno: code }, cause: err });
    }
    throw err;
  }
}
