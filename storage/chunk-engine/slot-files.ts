import { constants } from 'node:fs';
import { mkdir, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GeneralError, StorageError } from '../../infra/errors.ts';
import type { ChunkEngineFaults, StepContext } from './faults.ts';
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
    private readonly faults: ChunkEngineFaults | null,
  ) {}

  static async open(dir: string, layout: TargetLayout, options: { durable: boolean; faults: ChunkEngineFaults | null }): Promise<SlotFiles> {
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
    return new SlotFiles(dataDir, layout, sizes, options.durable, options.faults);
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
      let done = 0;
      while (done < content.length) {
        const { bytesWritten } = await data.fh.write(content, done, content.length - done, slot.index * size + done);
        done += bytesWritten;
      }
      if (this.durable && sync === 'now') await data.sync();
    });
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
      let done = 0;
      while (done < length) {
        const { bytesRead } = await data.fh.read(out, done, length - done, slot.index * size + done);
        // A slot past the end of its file reads as zeros; its checksum check then reports the damage.
        if (bytesRead === 0) {
          out.fill(0, done);
          break;
        }
        done += bytesRead;
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
      if (settled.status === 'fulfilled') await settled.value.fh.close();
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

  constructor(
    readonly path: string,
    readonly fh: FileHandle,
  ) {}

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
