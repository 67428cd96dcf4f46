/**
 * How the LMDB engine lays out one LMDB environment (a directory shared by every process on the host):
 *
 *   kv.data   user key            -> value
 *   kv.meta   "version"           -> u64 BE: number of commits so far (the read version of a new snapshot)
 *             "pruned"            -> u64 BE: log entries at or below this version were dropped
 *   kv.log    u64 BE version      -> u64 BE commit time (ms) · u32 BE n · n × (u32 len · begin · u32 len · end)
 *
 * The log lists the key ranges each commit wrote; a committing transaction checks the entries after its read
 * version against its reads. Version, data and log entry change in the same LMDB write transaction.
 */
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { KvError } from '../errors.ts';
import type { KeyRange } from './key-order.ts';

export const VERSION_KEY = Buffer.from('version');
export const PRUNED_KEY = Buffer.from('pruned');

export interface LmdbLayout {
  readonly root: RootDatabase<Buffer, Buffer>;
  readonly data: Database<Buffer, Buffer>;
  readonly meta: Database<Buffer, Buffer>;
  readonly log: Database<Buffer, Buffer>;
}

export interface LmdbEnvOptions {
  /** A directory; created when missing. */
  readonly path: string;
  /** LMDB reader slots, shared by all processes: one per transaction that has read and not finished. */
  readonly maxReaders: number;
}

export function openLmdbLayout(opts: LmdbEnvOptions): LmdbLayout {
  const binary = { encoding: 'binary', keyEncoding: 'binary' } as const;
  try {
    const root = open<Buffer, Buffer>({
      path: opts.path,
      ...binary,
      maxDbs: 4,
      maxReaders: opts.maxReaders,
      // Durable commits: LMDB's own fsync inside the commit, before transactionSync returns. lmdb-js's default
      // overlapping sync would return first and flush later.
      overlappingSync: false,
    });
    return {
      root,
      data: root.openDB<Buffer, Buffer>({ name: 'kv.data', ...binary }),
      meta: root.openDB<Buffer, Buffer>({ name: 'kv.meta', ...binary }),
      log: root.openDB<Buffer, Buffer>({ name: 'kv.log', ...binary }),
    };
  } catch (cause) {
    throw KvError.ENGINE_UNAVAILABLE('lmdb', `cannot open LMDB environment at ${opts.path}`, cause);
  }
}

export function encodeU64(n: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(n);
  return out;
}

export function decodeU64(bytes: Buffer | undefined): bigint {
  return bytes === undefined ? 0n : bytes.readBigUInt64BE(0);
}

export interface LogEntry {
  readonly committedAt: number;
  readonly writes: readonly KeyRange[];
}

export function encodeLogEntry(entry: LogEntry): Buffer {
  let size = 12;
  for (const r of entry.writes) size += 8 + r.begin.length + r.end.length;
  const out = Buffer.alloc(size);
  out.writeBigUInt64BE(BigInt(entry.committedAt), 0);
  out.writeUInt32BE(entry.writes.length, 8);
  let at = 12;
  for (const r of entry.writes) {
    for (const key of [r.begin, r.end]) {
      out.writeUInt32BE(key.length, at);
      key.copy(out, at + 4);
      at += 4 + key.length;
    }
  }
  return out;
}

/** Just the commit time of an encoded entry. */
export function decodeLogTime(bytes: Buffer): number {
  return Number(bytes.readBigUInt64BE(0));
}

export function decodeLogEntry(bytes: Buffer): LogEntry {
  const committedAt = decodeLogTime(bytes);
  const n = bytes.readUInt32BE(8);
  const writes: KeyRange[] = [];
  let at = 12;
  const next = (): Buffer => {
    const len = bytes.readUInt32BE(at);
    const key = bytes.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    return key;
  };
  for (let i = 0; i < n; i++) {
    const begin = next();
    writes.push({ begin, end: next() });
  }
  return { committedAt, writes };
}
