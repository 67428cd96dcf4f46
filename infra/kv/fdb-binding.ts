/**
 * The part of the `foundationdb` npm package (node-foundationdb 2.x) the adapter uses, declared here so the
 * adapter type-checks without the package: it is an optional dependency and needs libfdb_c, which most machines
 * (this one included) do not have. Loaded with a dynamic import only when an engine is configured.
 */
import { KvError } from '../errors.ts';

/** FDB API version requested from libfdb_c; 710 matches FoundationDB 7.1, the oldest release 3FS supports. */
export const FDB_API_VERSION = 710;

export interface FdbBinding {
  setAPIVersion(version: number): void;
  open(clusterFile?: string): FdbDatabase;
}

export interface FdbDatabase {
  rawCreateTransaction(): FdbTransaction;
  close(): void;
}

export interface FdbRangeOptions {
  limit?: number;
  reverse?: boolean;
}

/** Keys and values as Buffers: the database is used without key or value encoders. */
export interface FdbTransaction {
  snapshot(): FdbTransaction;
  get(key: Buffer): Promise<Buffer | undefined>;
  getRangeAll(start: Buffer, end: Buffer, opts?: FdbRangeOptions): Promise<[Buffer, Buffer][]>;
  set(key: Buffer, value: Buffer): void;
  clear(key: Buffer): void;
  clearRange(start: Buffer, end: Buffer): void;
  addReadConflictKey(key: Buffer): void;
  addReadConflictRange(start: Buffer, end: Buffer): void;
  addWriteConflictKey(key: Buffer): void;
  addWriteConflictRange(start: Buffer, end: Buffer): void;
  /** FDB's ADD mutation: little-endian addition. */
  add(key: Buffer, operand: Buffer): void;
  /** The key bytes end with the placeholder's offset as u32 little-endian (API version >= 520). */
  setVersionstampedKeyRaw(keyBytes: Buffer, value: Buffer): void;
  /** The value bytes end with the placeholder's offset as u32 little-endian (API version >= 520). */
  setVersionstampedValueRaw(key: Buffer, valueBytes: Buffer): void;
  getVersionstamp(): { promise: Promise<Buffer> };
  /** 8 bytes, big-endian. */
  getReadVersion(): Promise<Buffer>;
  rawCommit(): Promise<void>;
  rawCancel(): void;
}

/** Errors from the binding carry FDB's numeric error code. */
export interface FdbErrorLike {
  readonly code: number;
  readonly message: string;
}

let loaded: Promise<FdbBinding> | null = null;

/** Loads the binding once per process (FDB allows one API version and one network thread per process). */
export function loadFdbBinding(): Promise<FdbBinding> {
  loaded ??= importBinding().catch((cause: unknown) => {
    loaded = null;
    throw cause;
  });
  return loaded;
}

async function importBinding(): Promise<FdbBinding> {
  // A variable specifier keeps TypeScript and bundlers from resolving the optional package.
  const specifier = 'foundationdb';
  let mod: { default?: FdbBinding } & Partial<FdbBinding>;
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (cause) {
    throw KvError.ENGINE_UNAVAILABLE(
      'foundationdb',
      'the optional npm package "foundationdb" (with the FoundationDB client library libfdb_c) is not installed',
      cause,
    );
  }
  const binding = (mod.default ?? mod) as FdbBinding;
  try {
    binding.setAPIVersion(FDB_API_VERSION);
  } catch (cause) {
    throw KvError.ENGINE_UNAVAILABLE('foundationdb', `libfdb_c refused API version ${FDB_API_VERSION}`, cause);
  }
  return binding;
}
