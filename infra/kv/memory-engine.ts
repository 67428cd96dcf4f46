/**
 * The in-memory KV engine: the real twin of LMDB and FoundationDB for unit tests, with the same optimistic
 * serializable transactions and switchable fault injection. One process only; data is gone on close.
 */
import { KvError } from '../errors.ts';
import type { SnapshotReader, TransactionBackend, CommitRequest } from './backend.ts';
import { transactBuffered } from './buffered-transaction.ts';
import { FaultInjector } from './memory-faults.ts';
import type { MemoryKvFaultCounts, MemoryKvFaults } from './memory-faults.ts';
import { MemoryStore } from './memory-store.ts';
import type { KvEngine, TransactOptions, Transaction } from './types.ts';

export interface MemoryKvOptions {
  /** Like FoundationDB's 5 s limit on a transaction's age. */
  readonly maxTransactionAgeMs?: number;
  /** Milliseconds; tests pass a fake clock to age transactions without waiting. */
  readonly clock?: () => number;
  readonly faults?: MemoryKvFaults | null;
}

export const DEFAULT_MEMORY_KV_OPTIONS = {
  maxTransactionAgeMs: 5000,
  clock: Date.now,
  faults: null,
} as const satisfies Required<MemoryKvOptions>;

export class MemoryKvEngine implements KvEngine {
  readonly name = 'memory';
  private readonly store: MemoryStore;
  private readonly injector = new FaultInjector();
  private readonly backend: TransactionBackend;
  private closed = false;

  private constructor(opts: Required<MemoryKvOptions>) {
    // History is kept twice the age limit, so a transaction within the limit always finds it.
    this.store = new MemoryStore(opts.maxTransactionAgeMs * 2);
    this.injector.set(opts.faults);
    this.backend = {
      engineName: 'memory',
      maxTransactionAgeMs: opts.maxTransactionAgeMs,
      now: opts.clock,
      openSnapshot: () => this.openSnapshot(),
      beforeRead: () => this.injector.beforeRead(),
      commit: (request) => this.commit(request),
    };
  }

  static async create(options: MemoryKvOptions = {}): Promise<MemoryKvEngine> {
    return new MemoryKvEngine({ ...DEFAULT_MEMORY_KV_OPTIONS, ...options });
  }

  /** Switches fault injection on (or off with null) for transactions from now on. */
  setFaults(faults: MemoryKvFaults | null): void {
    this.injector.set(faults);
  }

  get faultCounts(): Readonly<MemoryKvFaultCounts> {
    return this.injector.counts;
  }

  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T> {
    return transactBuffered(this.backend, () => this.checkOpen(), fn, opts);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private openSnapshot(): SnapshotReader {
    this.checkOpen();
    const store = this.store;
    const version = store.version;
    return {
      version,
      get: (key) => store.read(key, version),
      range: (begin, end, direction) => store.range(begin, end, direction, version),
      release: () => undefined,
    };
  }

  private async commit(request: CommitRequest): Promise<bigint | null> {
    const fault = await this.injector.beforeCommit();
    this.checkOpen();
    if (fault === 'conflict') throw KvError.CONFLICT('injected fault');
    if (fault === 'unknown-dropped') throw KvError.COMMIT_UNKNOWN('memory', new Error('injected fault: not applied'));
    // Validation and application run without an await in between: one commit at a time, atomically.
    if (request.readVersion !== null && !request.readConflicts.isEmpty) {
      this.store.validate(request.readVersion, request.readConflicts);
    }
    const version = this.store.apply(request.mutations, request.writeConflicts, this.backend.now());
    if (fault === 'unknown-applied') throw KvError.COMMIT_UNKNOWN('memory', new Error('injected fault: applied'));
    return version;
  }

  private checkOpen(): void {
    if (this.closed) throw KvError.ENGINE_UNAVAILABLE('memory', 'the engine is closed');
  }
}
