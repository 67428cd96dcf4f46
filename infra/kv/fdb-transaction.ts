/**
 * One attempt of a transaction on FoundationDB: the `Transaction` interface over a native FDB transaction. FDB
 * itself provides snapshots, read-your-writes, conflict checks and versionstamps; this layer converts types,
 * enforces the same key and value limits as the other engines and maps errors onto the catalogue.
 */
import { GeneralError } from '../errors.ts';
import { encodeInt64LE } from './atomic-add.ts';
import type { FdbTransaction } from './fdb-binding.ts';
import { mapFdbErrors, toKvError } from './fdb-errors.ts';
import { isEmptyRange } from './key-order.ts';
import { checkBound, checkValue, checkWritableKey } from './limits.ts';
import type { TransactionAttempt } from './run-transaction.ts';
import type { Bytes, KeyValue, RangeOptions, Transaction } from './types.ts';
import { checkStampOffset } from './versionstamp.ts';

export class FdbTransactionAttempt implements Transaction, TransactionAttempt {
  private finished = false;

  constructor(private readonly tn: FdbTransaction) {}

  get tx(): Transaction {
    return this;
  }

  get(key: Bytes): Promise<Buffer | null> {
    checkBound(key);
    return mapFdbErrors(async () => (await this.tn.get(buf(key))) ?? null);
  }

  snapshotGet(key: Bytes): Promise<Buffer | null> {
    checkBound(key);
    return mapFdbErrors(async () => (await this.tn.snapshot().get(buf(key))) ?? null);
  }

  async getRange(begin: Bytes, end: Bytes, opts: RangeOptions = {}): Promise<KeyValue[]> {
    checkBound(begin);
    checkBound(end);
    const limit = opts.limit ?? 0;
    if (!Number.isInteger(limit) || limit < 0) throw GeneralError.INVALID_ARGUMENT(`range limit must be a count, got ${limit}`);
    if (isEmptyRange(begin, end)) return [];
    const tn = opts.snapshot === true ? this.tn.snapshot() : this.tn;
    const rows = await mapFdbErrors(() =>
      tn.getRangeAll(buf(begin), buf(end), { reverse: opts.reverse === true, ...(limit > 0 ? { limit } : {}) }),
    );
    return rows.map(([key, value]) => ({ key, value }));
  }

  set(key: Bytes, value: Bytes): void {
    checkWritableKey(key);
    checkValue(value);
    this.tn.set(buf(key), buf(value));
  }

  clear(key: Bytes): void {
    checkWritableKey(key);
    this.tn.clear(buf(key));
  }

  clearRange(begin: Bytes, end: Bytes): void {
    checkBound(begin);
    checkBound(end);
    if (!isEmptyRange(begin, end)) this.tn.clearRange(buf(begin), buf(end));
  }

  addReadConflictKey(key: Bytes): void {
    this.tn.addReadConflictKey(buf(key));
  }

  addReadConflictRange(begin: Bytes, end: Bytes): void {
    if (!isEmptyRange(begin, end)) this.tn.addReadConflictRange(buf(begin), buf(end));
  }

  addWriteConflictKey(key: Bytes): void {
    this.tn.addWriteConflictKey(buf(key));
  }

  addWriteConflictRange(begin: Bytes, end: Bytes): void {
    if (!isEmptyRange(begin, end)) this.tn.addWriteConflictRange(buf(begin), buf(end));
  }

  atomicAdd(key: Bytes, delta: bigint): void {
    checkWritableKey(key);
    this.tn.add(buf(key), encodeInt64LE(delta));
  }

  setVersionstampedKey(key: Bytes, offset: number, value: Bytes): void {
    checkWritableKey(key);
    checkStampOffset(key, offset);
    checkValue(value);
    this.tn.setVersionstampedKeyRaw(withOffset(key, offset), buf(value));
  }

  setVersionstampedValue(key: Bytes, value: Bytes, offset: number): void {
    checkWritableKey(key);
    checkValue(value);
    checkStampOffset(value, offset);
    this.tn.setVersionstampedValueRaw(buf(key), withOffset(value, offset));
  }

  getVersionstamp(): { readonly promise: Promise<Buffer> } {
    const promise = this.tn.getVersionstamp().promise.catch((err: unknown) => {
      throw toKvError(err);
    });
    promise.catch(() => undefined);
    return { promise };
  }

  getReadVersion(): Promise<bigint> {
    return mapFdbErrors(async () => (await this.tn.getReadVersion()).readBigUInt64BE(0));
  }

  async commit(): Promise<void> {
    await mapFdbErrors(() => this.tn.rawCommit());
    this.finished = true;
  }

  abandon(): void {
    if (this.finished) return;
    this.finished = true;
    this.tn.rawCancel();
  }
}

function buf(bytes: Bytes): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `bytes` followed by the versionstamp offset as u32 little-endian, the raw form libfdb_c takes. */
function withOffset(bytes: Bytes, offset: number): Buffer {
  const out = Buffer.alloc(bytes.length + 4);
  out.set(bytes, 0);
  out.writeUInt32LE(offset, bytes.length);
  return out;
}
