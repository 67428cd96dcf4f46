import { GeneralError } from '../../errors.ts';
import type { ChainId, ChainTable, ChainTableId } from '../routing/types.ts';
import { MAX_CHUNK_INDEX } from './chunk-id.ts';
import { seededPermutation } from './seeded-permutation.ts';

/**
 * Where a file's chunks live (ARCHITECTURE §4). Chosen by meta when the file is created and never changed: the
 * table version is pinned, so a new table version never remaps old files.
 */
export interface FileLayout {
  readonly chainTableId: ChainTableId;
  readonly tableVersion: number;
  /** Bytes per chunk, a power of two. */
  readonly chunkSize: number;
  /** How many chains the file spreads over, in [1, table size]. */
  readonly stripe: number;
  /** Where the file's run of chains starts in the table; meta advances it by `stripe` per new file. */
  readonly baseIndex: number;
  /** Seed of the per-file permutation, an integer in [0, 2^32). */
  readonly seed: number;
}

/**
 * The file's chains: entry k serves chunks i with i mod stripe = k, and is
 * `table.chains[(baseIndex + perm_seed(k)) mod table.size]`. Compute once per open file, then use `chainIdOfChunk`.
 */
export function fileChainIds(layout: FileLayout, table: ChainTable): ChainId[] {
  checkLayout(layout, table);
  const size = table.chains.length;
  return seededPermutation(layout.seed, layout.stripe).map((p) => table.chains[(layout.baseIndex + p) % size]!);
}

/** The chain of chunk `chunkIndex`, given the file's chains from `fileChainIds`. */
export function chainIdOfChunk(fileChains: readonly ChainId[], chunkIndex: number): ChainId {
  checkChunkIndex(chunkIndex);
  const chainId = fileChains[chunkIndex % fileChains.length];
  if (chainId === undefined) throw GeneralError.INVALID_ARGUMENT('a file has at least one chain');
  return chainId;
}

/** The index of the chunk holding byte `offset`; it must fit in u32, which bounds a file at 2^32 chunks. */
export function chunkIndexAt(layout: FileLayout, offset: number): number {
  checkChunkSize(layout.chunkSize);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw GeneralError.INVALID_ARGUMENT(`offset must be a non-negative safe integer, got ${offset}`, { context: { offset } });
  }
  const index = Math.floor(offset / layout.chunkSize);
  checkChunkIndex(index);
  return index;
}

function checkLayout(layout: FileLayout, table: ChainTable): void {
  const context = { layout, chainTableId: table.chainTableId, version: table.version };
  // A mismatched table would silently map chunks to the wrong chains.
  if (layout.chainTableId !== table.chainTableId || layout.tableVersion !== table.version) {
    throw GeneralError.INVALID_ARGUMENT(
      `layout pins chain table ${layout.chainTableId} v${layout.tableVersion}, got table ${table.chainTableId} v${table.version}`,
      { context },
    );
  }
  if (!Number.isInteger(layout.stripe) || layout.stripe < 1 || layout.stripe > table.chains.length) {
    throw GeneralError.INVALID_ARGUMENT(`stripe must be in [1, ${table.chains.length}], got ${layout.stripe}`, { context });
  }
  if (!Number.isSafeInteger(layout.baseIndex) || layout.baseIndex < 0) {
    throw GeneralError.INVALID_ARGUMENT(`baseIndex must be a non-negative integer, got ${layout.baseIndex}`, { context });
  }
  checkChunkSize(layout.chunkSize);
}

function checkChunkSize(chunkSize: number): void {
  // Bounded before the bitwise test, which works on 32-bit integers.
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 2 ** 30 || (chunkSize & (chunkSize - 1)) !== 0) {
    throw GeneralError.INVALID_ARGUMENT(`chunkSize must be a power of two up to 1 GiB, got ${chunkSize}`, { context: { chunkSize } });
  }
}

function checkChunkIndex(chunkIndex: number): void {
  if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex > MAX_CHUNK_INDEX) {
    throw GeneralError.INVALID_ARGUMENT(`chunk index must be an integer in [0, 2^32), got ${chunkIndex}`, { context: { chunkIndex } });
  }
}
