/**
 * The KV engine interface, modelled on FoundationDB: serializable optimistic transactions over one ordered keyspace
 * of byte strings. Keys order bytewise (memcmp, shorter prefix first), exactly like FDB.
 *
 * A transaction reads at one read version (a consistent snapshot) and buffers its writes. At commit it conflicts when
 * a key or range it read without `snapshot` was written by a transaction that committed after its read version;
 * `transact` then runs the function again on a fresh snapshot. Reads see the transaction's own earlier writes.
 */

/** Keys and values going in. Anything a Uint8Array is (a Buffer too). */
export type Bytes = Uint8Array;

export interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
}

export interface RangeOptions {
  /** At most this many pairs; absent or 0 means no limit. */
  readonly limit?: number;
  /** Highest keys first. With a limit, the pairs returned are the last `limit` of the range. */
  readonly reverse?: boolean;
  /** Read without adding a read-conflict range (the read cannot make the commit fail). */
  readonly snapshot?: boolean;
}

/** The 10-byte versionstamp: 8-byte big-endian commit version, then 2-byte big-endian order within the commit. */
export const VERSIONSTAMP_BYTES = 10;

export interface Transaction {
  /** The value at `key`, or null; adds `key` to the read-conflict set. */
  get(key: Bytes): Promise<Buffer | null>;
  /** Like `get`, without a read conflict (3FS reads this way for lookups). */
  snapshotGet(key: Bytes): Promise<Buffer | null>;
  /** Pairs with begin <= key < end, in key order (or reversed). */
  getRange(begin: Bytes, end: Bytes, opts?: RangeOptions): Promise<KeyValue[]>;

  set(key: Bytes, value: Bytes): void;
  clear(key: Bytes): void;
  /** Removes every key with begin <= key < end. */
  clearRange(begin: Bytes, end: Bytes): void;

  addReadConflictKey(key: Bytes): void;
  addReadConflictRange(begin: Bytes, end: Bytes): void;
  addWriteConflictKey(key: Bytes): void;
  addWriteConflictRange(begin: Bytes, end: Bytes): void;

  /**
   * Adds `delta` to the little-endian integer stored at `key` (absent counts as 0), wrapping at 64 bits, as FDB's
   * ADD mutation does with an 8-byte operand. Adds no read conflict, so concurrent adds to one key never conflict.
   */
  atomicAdd(key: Bytes, delta: bigint): void;
  /**
   * Sets a key whose 10 bytes at `offset` are replaced at commit by the transaction's versionstamp. The placeholder
   * bytes passed in are ignored.
   */
  setVersionstampedKey(key: Bytes, offset: number, value: Bytes): void;
  /** Sets `key` to `value` with the 10 bytes at `offset` replaced at commit by the versionstamp. */
  setVersionstampedValue(key: Bytes, value: Bytes, offset: number): void;
  /**
   * The versionstamp this transaction commits with. The promise settles only after the commit, so return the object
   * out of the `transact` callback and await `.promise` afterwards (awaiting it inside would never finish). It
   * rejects when this attempt does not commit, and when the transaction wrote nothing.
   */
  getVersionstamp(): { readonly promise: Promise<Buffer> };
  /** The version this transaction reads at; fixed by the first read. */
  getReadVersion(): Promise<bigint>;
}

export interface TransactOptions {
  /**
   * The function may run twice with one commit applied: KV_COMMIT_UNKNOWN is retried too. Only set this when running
   * the function again after an applied commit does no harm (3FS writes an idempotency record for that).
   */
  readonly idempotent?: boolean;
  /** Retries after the first attempt before the last error is thrown. */
  readonly maxRetries?: number;
  /** First backoff; it doubles per retry up to `maxBackoffMs`, with jitter. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export type KvEngineName = 'memory' | 'lmdb' | 'foundationdb';

export interface KvEngine {
  readonly name: KvEngineName;
  /**
   * Runs `fn` in a transaction and commits it. KV_CONFLICT, KV_TOO_OLD and KV_THROTTLED are retried with backoff
   * (and KV_COMMIT_UNKNOWN when `idempotent`); any other error, or the last one past `maxRetries`, is thrown. The
   * function must not keep using `tx` after it returns.
   */
  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T>;
  /** Idempotent. Transactions still running fail with KV_ENGINE_UNAVAILABLE. */
  close(): Promise<void>;
}
