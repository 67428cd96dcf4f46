/**
 * What an engine that keeps its own data (memory, LMDB) provides to the shared transaction layer
 * (`BufferedTransaction`): consistent snapshots to read from, and a commit that validates reads and applies writes
 * atomically. FoundationDB does all of this itself and does not use it.
 */
import type { KeyValue, KvEngineName } from './types.ts';
import type { Direction } from './sorted-map.ts';
import type { Mutation } from './mutations.ts';
import type { RangeSet } from './range-set.ts';

/** A consistent view of the committed data at `version`, the number of commits it includes. */
export interface SnapshotReader {
  readonly version: bigint;
  get(key: Buffer): Buffer | null;
  /** Pairs in [begin, end), produced lazily; callers may stop early. */
  range(begin: Buffer, end: Buffer, direction: Direction): Iterable<KeyValue>;
  /** Idempotent. */
  release(): void;
}

export interface CommitRequest {
  /** Null when the transaction never read: nothing to validate. */
  readonly readVersion: bigint | null;
  readonly readConflicts: RangeSet;
  /** Write-conflict ranges added explicitly; the mutations' own ranges are added by the engine. */
  readonly writeConflicts: RangeSet;
  readonly mutations: readonly Mutation[];
}

export interface TransactionBackend {
  readonly engineName: KvEngineName;
  /** Transactions whose snapshot is older than this fail with KV_TOO_OLD. */
  readonly maxTransactionAgeMs: number;
  /** Milliseconds; an injectable clock so tests can age a transaction without waiting. */
  now(): number;
  openSnapshot(): SnapshotReader;
  /** Runs before every read; the memory engine's fault injection delays here. */
  beforeRead(): Promise<void>;
  /**
   * Fails with KV_CONFLICT when a commit after `readVersion` wrote into `readConflicts`; otherwise applies the
   * mutations atomically and returns the new commit version, or null when there was nothing to write.
   */
  commit(request: CommitRequest): Promise<bigint | null>;
}
