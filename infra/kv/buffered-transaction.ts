/**
 * The client side of an optimistic transaction for engines that keep their own data (memory, LMDB), playing the part
 * of FoundationDB's client library: it reads from one snapshot taken at the first read, buffers writes (and lets
 * reads see them), records read-conflict ranges, and hands everything to the engine's commit.
 *
 * One object serves one attempt of a `transact` callback: `commit()` on success, `abandon()` otherwise.
 */
import { GeneralError, KvError } from '../errors.ts';
import { encodeInt64LE } from './atomic-add.ts';
import type { SnapshotReader, TransactionBackend } from './backend.ts';
import { copyBytes, isEmptyRange, keyAfter } from './key-order.ts';
import { checkBound, checkValue, checkWritableKey } from './limits.ts';
import { RangeSet } from './range-set.ts';
import { runTransaction } from './run-transaction.ts';
import type { Bytes, KeyValue, RangeOptions, Transaction, TransactOptions } from './types.ts';
import { checkStampOffset, versionstampOf } from './versionstamp.ts';
import { WriteBuffer, resolveOwnWrite } from './write-buffer.ts';

type ReadMode = 'serializable' | 'snapshot';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export class BufferedTransaction implements Transaction {
  private snapshot: SnapshotReader | null = null;
  private snapshotTakenAt = 0;
  private readonly readConflicts = new RangeSet();
  private readonly writeConflicts = new RangeSet();
  private readonly writes = new WriteBuffer();
  private stamp: Deferred<Buffer> | null = null;
  private state: 'open' | 'committing' | 'finished' = 'open';

  constructor(private readonly backend: TransactionBackend) {}

  get(key: Bytes): Promise<Buffer | null> {
    return this.readKey(key, 'serializable');
  }

  snapshotGet(key: Bytes): Promise<Buffer | null> {
    return this.readKey(key, 'snapshot');
  }

  async getRange(begin: Bytes, end: Bytes, opts: RangeOptions = {}): Promise<KeyValue[]> {
    this.checkOpen();
    checkBound(begin);
    checkBound(end);
    const limit = opts.limit ?? 0;
    if (!Number.isInteger(limit) || limit < 0) throw GeneralError.INVALID_ARGUMENT(`range limit must be a count, got ${limit}`);
    if (isEmptyRange(begin, end)) return [];
    await this.backend.beforeRead();
    const snapshot = this.openSnapshot();
    const direction = opts.reverse === true ? 'reverse' : 'forward';
    const b = copyBytes(begin);
    const e = copyBytes(end);
    const out: KeyValue[] = [];
    const merged = this.writes.mergeRange(b, e, direction, snapshot.range(b, e, direction), (k) => snapshot.get(k));
    for (const kv of merged) {
      out.push(kv);
      if (out.length === limit) break;
    }
    if (opts.snapshot !== true) {
      // With a limit reached, only the part up to the last pair returned was observed.
      const last = out.length === limit ? out[out.length - 1] : undefined;
      if (last === undefined) this.readConflicts.add(b, e);
      else if (direction === 'forward') this.readConflicts.add(b, keyAfter(last.key));
      else this.readConflicts.add(last.key, e);
    }
    return out;
  }

  set(key: Bytes, value: Bytes): void {
    this.checkWritable();
    checkWritableKey(key);
    checkValue(value);
    this.writes.set(copyBytes(key), copyBytes(value));
  }

  clear(key: Bytes): void {
    this.checkWritable();
    checkWritableKey(key);
    this.writes.clear(copyBytes(key));
  }

  clearRange(begin: Bytes, end: Bytes): void {
    this.checkWritable();
    checkBound(begin);
    checkBound(end);
    if (isEmptyRange(begin, end)) return;
    this.writes.clearRange(copyBytes(begin), copyBytes(end));
  }

  addReadConflictKey(key: Bytes): void {
    this.checkOpen();
    checkBound(key);
    this.readConflicts.add(key, keyAfter(key));
  }

  addReadConflictRange(begin: Bytes, end: Bytes): void {
    this.checkOpen();
    checkBound(begin);
    checkBound(end);
    this.readConflicts.add(begin, end);
  }

  addWriteConflictKey(key: Bytes): void {
    this.checkWritable();
    checkBound(key);
    this.writeConflicts.add(key, keyAfter(key));
  }

  addWriteConflictRange(begin: Bytes, end: Bytes): void {
    this.checkWritable();
    checkBound(begin);
    checkBound(end);
    this.writeConflicts.add(begin, end);
  }

  atomicAdd(key: Bytes, delta: bigint): void {
    this.checkWritable();
    checkWritableKey(key);
    this.writes.add(copyBytes(key), encodeInt64LE(delta));
  }

  setVersionstampedKey(key: Bytes, offset: number, value: Bytes): void {
    this.checkWritable();
    checkWritableKey(key);
    checkStampOffset(key, offset);
    checkValue(value);
    this.writes.setVersionstampedKey(copyBytes(key), offset, copyBytes(value));
  }

  setVersionstampedValue(key: Bytes, value: Bytes, offset: number): void {
    this.checkWritable();
    checkWritableKey(key);
    checkValue(value);
    checkStampOffset(value, offset);
    this.writes.setVersionstampedValue(copyBytes(key), copyBytes(value), offset);
  }

  getVersionstamp(): { readonly promise: Promise<Buffer> } {
    this.checkOpen();
    if (this.stamp === null) {
      this.stamp = deferred<Buffer>();
      // The caller may never await it (for example when this attempt fails and a retry makes a new one).
      this.stamp.promise.catch(() => undefined);
    }
    return { promise: this.stamp.promise };
  }

  async getReadVersion(): Promise<bigint> {
    this.checkOpen();
    return this.openSnapshot().version;
  }

  /** Validates and applies the transaction; settles the versionstamp. Throws the engine's typed errors. */
  async commit(): Promise<void> {
    this.checkOpen();
    this.state = 'committing';
    if (this.snapshot !== null) this.checkAge();
    const version = await this.backend.commit({
      readVersion: this.snapshot?.version ?? null,
      readConflicts: this.readConflicts,
      writeConflicts: this.writeConflicts,
      mutations: this.writes.mutations,
    });
    this.finish();
    if (this.stamp === null) return;
    if (version === null) this.stamp.reject(GeneralError.INVALID_ARGUMENT('the transaction wrote nothing, so it has no versionstamp'));
    else this.stamp.resolve(versionstampOf(version));
  }

  /** Ends an attempt that will not commit; its versionstamp promise rejects with `error`. */
  abandon(error: unknown): void {
    if (this.state === 'finished') return;
    this.finish();
    this.stamp?.reject(error);
  }

  private async readKey(key: Bytes, mode: ReadMode): Promise<Buffer | null> {
    this.checkOpen();
    checkBound(key);
    const k = copyBytes(key);
    const own = this.writes.lookup(k);
    // Fully answered by the transaction's own writes: nothing was read from the database, so no conflict.
    if (own !== null && own.kind !== 'add') return resolveOwnWrite(k, own, () => null);
    await this.backend.beforeRead();
    const snapshot = this.openSnapshot();
    if (mode === 'serializable') this.readConflicts.add(k, keyAfter(k));
    const stored = snapshot.get(k);
    return own === null ? stored : resolveOwnWrite(k, own, () => stored);
  }

  private openSnapshot(): SnapshotReader {
    this.checkOpen();
    if (this.snapshot === null) {
      this.snapshot = this.backend.openSnapshot();
      this.snapshotTakenAt = this.backend.now();
    } else {
      this.checkAge();
    }
    return this.snapshot;
  }

  private checkAge(): void {
    const ageMs = this.backend.now() - this.snapshotTakenAt;
    if (ageMs > this.backend.maxTransactionAgeMs) {
      throw KvError.TOO_OLD(`read version is ${ageMs} ms old (limit ${this.backend.maxTransactionAgeMs} ms)`, {
        engine: this.backend.engineName,
        ageMs,
      });
    }
  }

  private finish(): void {
    this.state = 'finished';
    this.snapshot?.release();
  }

  private checkOpen(): void {
    if (this.state === 'finished') {
      throw GeneralError.INVALID_ARGUMENT('transaction used after its transact callback finished');
    }
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.state === 'committing') throw GeneralError.INVALID_ARGUMENT('transaction written to while committing');
  }
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * `transact` for engines built on a TransactionBackend (memory, LMDB): each attempt is a fresh BufferedTransaction,
 * retried by `runTransaction`. `checkOpen` throws when the engine was closed.
 */
export function transactBuffered<T>(
  backend: TransactionBackend,
  checkOpen: () => void,
  fn: (tx: Transaction) => Promise<T>,
  opts?: TransactOptions,
): Promise<T> {
  return runTransaction(() => {
    checkOpen();
    const tx = new BufferedTransaction(backend);
    return { tx, commit: () => tx.commit(), abandon: (err) => tx.abandon(err) };
  }, fn, opts);
}
