import { GeneralError } from '../../infra/errors.ts';
import type { RoutingSource, StorageClient } from '../../storage/index.ts';

/** The storage calls the data path makes; `StorageClient` in production, an in-memory twin in unit tests. */
export type ChunkStore = Pick<StorageClient, 'batchWrite' | 'batchRead' | 'batchRemove' | 'truncate' | 'queryLastChunk'>;

export interface FileDataDeps {
  readonly storage: ChunkStore;
  readonly routing: RoutingSource;
  /** Bytes one pread or pwrite may move; FILE_DATA_DEFAULTS.maxIoBytes by default. */
  readonly maxIoBytes?: number;
}

export const FILE_DATA_DEFAULTS = {
  /** A pread allocates its whole result up front, so one call stays well below Buffer's limit. */
  maxIoBytes: 1024 * 1024 * 1024,
} as const;

export function checkIoBytes(deps: FileDataDeps, op: 'pread' | 'pwrite', bytes: number): void {
  const max = deps.maxIoBytes ?? FILE_DATA_DEFAULTS.maxIoBytes;
  if (bytes > max) {
    throw GeneralError.INVALID_ARGUMENT(`${op} of ${bytes} bytes exceeds the limit of ${max} bytes per call; split it`, { context: { bytes, max } });
  }
}
