/**
 * The embedded default KV engine: LMDB on local disk, durable, shared by every process on the host that opens the
 * same directory. LMDB gives MVCC snapshots and one writer at a time; optimistic FoundationDB-style transactions
 * are built on top:
 *
 *   read:   a transaction's first read opens an LMDB read transaction (a snapshot); the commit count stored in the
 *           snapshot is its read version. All its reads use that snapshot.
 *   commit: one LMDB write transaction validates the reads against the commit log and applies the writes
 *           (lmdb-commit.ts). Read-only transactions never take the writer lock.
 *
 * Commits run synchronously on the event loop (lmdb-js's asynchronous transaction callbacks do not work here); the
 * writer lock is held only for validation, the writes and LMDB's fsync.
 */
import { ABORT } from 'lmdb';
import { FirepondError, KvError } from '../errors.ts';
import type { CommitRequest, SnapshotReader, TransactionBackend } from './backend.ts';
import { transactBuffered } from './buffered-transaction.ts';
import { commitInWriteTxn } from './lmdb-commit.ts';
import { decodeU64, openLmdbLayout, VERSION_KEY } from './lmdb-layout.ts';
import type { LmdbLayout } from './lmdb-layout.ts';
import type { KvEngine, TransactOptions, Transaction } from './types.ts';

export interface LmdbKvOptions {
  /** Directory of the LMDB environment; every process sharing the KV opens the same one. */
  readonly path: string;
  /** Like FoundationDB's 5 s limit on a transaction's age. */
  readonly maxTransactionAgeMs?: number;
  /** Milliseconds; tests pass a fake clock to age transactions without waiting. */
  readonly clock?: () => number;
  /** LMDB reader slots shared by all processes; each running transaction that has read holds one. */
  readonly maxReaders?: number;
}

export const DEFAULT_LMDB_KV_OPTIONS = {
  maxTransactionAgeMs: 5000,
  clock: Date.now,
  maxReaders: 1024,
} as const satisfies Omit<Required<LmdbKvOptions>, 'path'>;

export class LmdbKvEngine implements KvEngine {
  readonly name = 'lmdb';
  private readonly backend: TransactionBackend;
  private closed = false;

  private constructor(
    private readonly layout: LmdbLayout,
    private readonly opts: Required<LmdbKvOptions>,
  ) {
    this.backend = {
      engineName: 'lmdb',
      maxTransactionAgeMs: opts.maxTransactionAgeMs,
      now: opts.clock,
      openSnapshot: () => this.openSnapshot(),
      beforeRead: async () => undefined,
      commit: async (request) => this.commit(request),
    };
  }

  static async open(options: LmdbKvOptions): Promise<LmdbKvEngine> {
    const opts = { ...DEFAULT_LMDB_KV_OPTIONS, ...options };
    return new LmdbKvEngine(openLmdbLayout(opts), opts);
  }

  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T> {
    return transactBuffered(this.backend, () => this.checkOpen(), fn, opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.layout.root.close();
  }

  private openSnapshot(): SnapshotReader {
    this.checkOpen();
    const { root, data, meta } = this.layout;
    // lmdb-js hands out one shared read transaction per event-loop turn; resetting first makes the snapshot
    // include every commit finished before this call, in any process.
    root.resetReadTxn();
    const transaction = root.useReadTransaction();
    let released = false;
    return {
      version: decodeU64(meta.get(VERSION_KEY, { transaction })),
      get: (key) => data.get(key, { transaction }) ?? null,
      range: (begin, end, direction) =>
        direction === 'forward'
          ? data.getRange({ start: begin, end, transaction })
          : data.getRange({ start: end, end: begin, reverse: true, exclusiveStart: true, inclusiveEnd: true, transaction }),
      release: () => {
        if (released) return;
        released = true;
        transaction.done();
      },
    };
  }

  private commit(request: CommitRequest): bigint | null {
    this.checkOpen();
    let applied = false;
    let version: bigint | null = null;
    try {
      this.layout.root.transactionSync(() => {
        version = commitInWriteTxn(this.layout, request, {
          now: this.opts.clock(),
          retentionMs: this.opts.maxTransactionAgeMs * 2,
        });
        if (version === null) return ABORT;
        applied = true;
        return undefined;
      });
    } catch (cause) {
      // Conflicts and too-old results are thrown before anything is written.
      if (cause instanceof FirepondError) throw cause;
      // The writes were made and LMDB's commit (or its fsync) failed: they may or may not be on disk.
      if (applied) throw KvError.COMMIT_UNKNOWN('lmdb', cause);
      throw KvError.ENGINE_UNAVAILABLE('lmdb', 'the write transaction failed', cause);
    }
    return version;
  }

  private checkOpen(): void {
    if (this.closed) throw KvError.ENGINE_UNAVAILABLE('lmdb', 'the engine is closed');
  }
}
