import type { RoutingInfo } from '../../infra/mgmtd/index.ts';
import type { FileDataDeps } from './deps.ts';
import { fileLength } from './file-length.ts';
import type { FileRef } from './file-chains.ts';
import { pread } from './pread.ts';
import type { PreadOptions } from './pread.ts';
import { pwrite } from './pwrite.ts';
import { removeFileData, truncateFile } from './truncate.ts';

/**
 * The data path of the file client: chunk I/O on files named by inode id and layout, with no metadata service in
 * between (paths, open/stat and recorded lengths come with meta). Each method is one file of this folder.
 *
 *   const fs = await connect({ dataDir });
 *   t.after(() => fs.close());
 *   const file = { inodeId: 42n, layout: defaultLayout(fs.routing(), { chunkSize: 64 * 1024 }) };
 *   await fs.pwrite(file, 100_000, data);
 *   const bytes = await fs.pread(file, 100_000, data.length);
 */
export class FileDataClient {
  private closing: Promise<void> | null = null;

  /** `close` runs the closers in order, each once, even when one fails (the first failure is thrown after). */
  constructor(private readonly deps: FileDataDeps, private readonly closers: readonly (() => Promise<void>)[] = []) {}

  /** The newest routing snapshot the client holds (for `defaultLayout`). */
  routing(): RoutingInfo {
    return this.deps.routing.current();
  }

  /** See `pwrite.ts`: parallel chunk writes; a failed piece fails the call, pieces written stay written. */
  pwrite(file: FileRef, offset: number, data: Uint8Array): Promise<number> {
    return pwrite(this.deps, file, offset, data);
  }

  /** See `pread.ts`: parallel chunk reads; holes read as zeros; clipped to `fileLength` when given. */
  pread(file: FileRef, offset: number, length: number, options?: PreadOptions): Promise<Buffer> {
    return pread(this.deps, file, offset, length, options);
  }

  /** See `file-length.ts`: the largest chunk end over the file's chains. */
  fileLength(file: FileRef): Promise<number> {
    return fileLength(this.deps, file);
  }

  /** See `truncate.ts`: removes chunks past the new end, then cuts or zero-extends the last one. */
  truncate(file: FileRef, length: number): Promise<void> {
    return truncateFile(this.deps, file, length);
  }

  /** Removes every chunk of the file. */
  removeData(file: FileRef): Promise<void> {
    return removeFileData(this.deps, file);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      let first: unknown = null;
      for (const close of this.closers) {
        try {
          await close();
        } catch (err) {
          first ??= err;
        }
      }
      if (first !== null) throw first;
    })();
    return this.closing;
  }
}
