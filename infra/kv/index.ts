/**
 * The KV engine: FoundationDB-style serializable transactions over an ordered byte keyspace, on memory (tests),
 * LMDB (embedded default, shared by the processes of one host) or FoundationDB (clusters). Other folders import
 * from here only.
 */
export type { Bytes, KeyValue, KvEngine, KvEngineName, RangeOptions, TransactOptions, Transaction } from './types.ts';
export { VERSIONSTAMP_BYTES } from './types.ts';
export { openKvEngine } from './open-kv-engine.ts';
export type { KvConfig } from './open-kv-engine.ts';
export { MemoryKvEngine, DEFAULT_MEMORY_KV_OPTIONS } from './memory-engine.ts';
export type { MemoryKvOptions } from './memory-engine.ts';
export type { MemoryKvFaults, MemoryKvFaultCounts } from './memory-faults.ts';
export { seededRandom } from './memory-faults.ts';
export { LmdbKvEngine, DEFAULT_LMDB_KV_OPTIONS } from './lmdb-engine.ts';
export type { LmdbKvOptions } from './lmdb-engine.ts';
export { FoundationDbKvEngine } from './fdb-engine.ts';
export type { FoundationDbKvOptions } from './fdb-engine.ts';
export { DEFAULT_TRANSACT_OPTIONS, isRetryable } from './run-transaction.ts';
export { decodeInt64LE, encodeInt64LE } from './atomic-add.ts';
export { keyAfter, compareKeys } from './key-order.ts';
export { KV_LIMITS } from './limits.ts';
