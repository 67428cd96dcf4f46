/**
 * The one error catalogue. Every error that crosses a process, RPC or activity boundary carries one of these codes.
 *
 * Ranges: 1xx general · 1xxx KV · 2xxx RPC · 3xxx meta · 4xxx storage · 5xxx mgmtd · 6xxx pipeline (smallpond).
 * Callers branch on `code`, never on messages. `retryable` drives Temporal retry policy (the activity boundary turns
 * a FirepondError into an ApplicationFailure whose type is the code); `errno` is what the FUSE daemon answers.
 */
export const ERROR_CATALOGUE = {
  INTERNAL: { num: 100, retryable: false, errno: 'EIO' },
  INVALID_ARGUMENT: { num: 101, retryable: false, errno: 'EINVAL' },
  NOT_IMPLEMENTED: { num: 102, retryable: false, errno: 'ENOSYS' },
  TIMEOUT: { num: 103, retryable: true, errno: 'ETIMEDOUT' },
  CANCELLED: { num: 104, retryable: false, errno: 'ECANCELED' },
  SETUP_MISSING: { num: 110, retryable: false, errno: 'ENOENT' },
  SERVER_UNAVAILABLE: { num: 111, retryable: true, errno: 'ECONNREFUSED' },

  KV_CONFLICT: { num: 1000, retryable: true, errno: 'EAGAIN' },
  KV_COMMIT_UNKNOWN: { num: 1001, retryable: true, errno: 'EAGAIN' },
  KV_TOO_OLD: { num: 1002, retryable: true, errno: 'EAGAIN' },
  KV_ENGINE_UNAVAILABLE: { num: 1003, retryable: false, errno: 'EIO' },
  KV_TOO_LARGE: { num: 1004, retryable: false, errno: 'E2BIG' },
  KV_THROTTLED: { num: 1005, retryable: true, errno: 'EAGAIN' },

  RPC_BAD_FRAME: { num: 2000, retryable: false, errno: 'EPROTO' },
  RPC_AUTH_FAILED: { num: 2001, retryable: false, errno: 'EACCES' },
  RPC_TIMEOUT: { num: 2002, retryable: true, errno: 'ETIMEDOUT' },
  RPC_CONNECTION_CLOSED: { num: 2003, retryable: true, errno: 'ECONNRESET' },
  RPC_UNKNOWN_METHOD: { num: 2004, retryable: false, errno: 'ENOSYS' },
  RPC_OVERLOADED: { num: 2005, retryable: true, errno: 'EAGAIN' },
  RPC_BAD_SECRET_FILE: { num: 2006, retryable: false, errno: 'EACCES' },

  META_NOT_FOUND: { num: 3000, retryable: false, errno: 'ENOENT' },
  META_EXISTS: { num: 3001, retryable: false, errno: 'EEXIST' },
  META_NOT_DIRECTORY: { num: 3002, retryable: false, errno: 'ENOTDIR' },
  META_IS_DIRECTORY: { num: 3003, retryable: false, errno: 'EISDIR' },
  META_NOT_EMPTY: { num: 3004, retryable: false, errno: 'ENOTEMPTY' },
  META_PERMISSION: { num: 3005, retryable: false, errno: 'EACCES' },

  STORAGE_CHAIN_VERSION_MISMATCH: { num: 4000, retryable: true, errno: 'EAGAIN' },
  STORAGE_NOT_COMMITTED: { num: 4001, retryable: true, errno: 'EAGAIN' },
  STORAGE_CHECKSUM_MISMATCH: { num: 4002, retryable: true, errno: 'EIO' },
  STORAGE_NO_SPACE: { num: 4003, retryable: false, errno: 'ENOSPC' },
  STORAGE_CHUNK_NOT_FOUND: { num: 4004, retryable: false, errno: 'ENOENT' },
  STORAGE_FENCED: { num: 4005, retryable: true, errno: 'EAGAIN' },
  STORAGE_ROUTING_ERROR: { num: 4006, retryable: true, errno: 'EAGAIN' },
  STORAGE_DUPLICATE_UPDATE: { num: 4007, retryable: false, errno: 'EIO' },

  MGMTD_NOT_PRIMARY: { num: 5000, retryable: true, errno: 'EAGAIN' },
  MGMTD_LEASE_LOST: { num: 5001, retryable: true, errno: 'EAGAIN' },
  MGMTD_UNKNOWN_NODE: { num: 5002, retryable: false, errno: 'ENOENT' },

  PIPELINE_BAD_SQL: { num: 6000, retryable: false, errno: 'EINVAL' },
  PIPELINE_INPUT_NOT_FOUND: { num: 6001, retryable: false, errno: 'ENOENT' },
  PIPELINE_SCHEMA_MISMATCH: { num: 6002, retryable: false, errno: 'EINVAL' },
  PIPELINE_PARTITION_KEY_OUT_OF_RANGE: { num: 6003, retryable: false, errno: 'ERANGE' },
  PIPELINE_BAD_PLAN: { num: 6004, retryable: false, errno: 'EINVAL' },
  PIPELINE_FUNCTION_NOT_PORTABLE: { num: 6005, retryable: false, errno: 'EINVAL' },
  PIPELINE_FUNCTION_FAILED: { num: 6006, retryable: false, errno: 'EINVAL' },
  PIPELINE_OUT_OF_MEMORY: { num: 6007, retryable: true, errno: 'ENOMEM' },
  PIPELINE_TASK_CRASHED: { num: 6008, retryable: true, errno: 'EIO' },
  PIPELINE_JOB_FAILED: { num: 6009, retryable: false, errno: 'EIO' },
  PIPELINE_OUTPUT_EXISTS: { num: 6010, retryable: false, errno: 'EEXIST' },
} as const satisfies Record<string, { num: number; retryable: boolean; errno: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

const BRAND = Symbol.for('firepond.error');

export interface FirepondErrorOptions {
  readonly context?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** The one coded error class. Construct it through the factories below, named after the code. */
export class FirepondError extends Error {
  readonly code: ErrorCode;
  readonly num: number;
  readonly retryable: boolean;
  readonly errno: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: FirepondErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = ERROR_CATALOGUE[code];
    this.name = 'FirepondError';
    this.code = code;
    this.num = entry.num;
    this.retryable = entry.retryable;
    this.errno = entry.errno;
    this.context = options.context ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  // Survives module duplication and Temporal's workflow sandbox, where classes are loaded twice.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** True when `err` is a FirepondError with one of the given codes (or any code when none is given). */
export function hasCode(err: unknown, ...codes: ErrorCode[]): err is FirepondError {
  return err instanceof FirepondError && (codes.length === 0 || codes.includes(err.code));
}

export function isErrorCode(name: string): name is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, name);
}

const make = (code: ErrorCode) => (message: string, options?: FirepondErrorOptions) => new FirepondError(code, message, options);

export const GeneralError = {
  INTERNAL: make('INTERNAL'),
  INVALID_ARGUMENT: make('INVALID_ARGUMENT'),
  NOT_IMPLEMENTED: make('NOT_IMPLEMENTED'),
  TIMEOUT: make('TIMEOUT'),
  SETUP_MISSING: make('SETUP_MISSING'),
  SERVER_UNAVAILABLE: make('SERVER_UNAVAILABLE'),
};

export const KvError = {
  CONFLICT: (detail: string) =>
    new FirepondError('KV_CONFLICT', `transaction conflict: ${detail}`, { context: { detail } }),
  COMMIT_UNKNOWN: (engine: string, cause?: unknown) =>
    new FirepondError('KV_COMMIT_UNKNOWN', `${engine}: the commit may or may not have been applied`, { context: { engine }, cause }),
  TOO_OLD: (detail: string, context: Readonly<Record<string, unknown>> = {}) =>
    new FirepondError('KV_TOO_OLD', `transaction too old: ${detail}`, { context: { detail, ...context } }),
  ENGINE_UNAVAILABLE: (engine: string, reason: string, cause?: unknown) =>
    new FirepondError('KV_ENGINE_UNAVAILABLE', `${engine} KV engine unavailable: ${reason}`, { context: { engine, reason }, cause }),
  TOO_LARGE: (what: 'key' | 'value', bytes: number, limit: number) =>
    new FirepondError('KV_TOO_LARGE', `${what} of ${bytes} bytes exceeds the limit of ${limit}`, { context: { what, bytes, limit } }),
  THROTTLED: (engine: string, reason: string, cause?: unknown) =>
    new FirepondError('KV_THROTTLED', `${engine}: ${reason}; retry later`, { context: { engine, reason }, cause }),
};

export const RpcError = {
  BAD_FRAME: (reason: string, context: Readonly<Record<string, unknown>> = {}) =>
    new FirepondError('RPC_BAD_FRAME', `bad frame: ${reason}`, { context: { reason, ...context } }),
  AUTH_FAILED: (peer: string, reason: string) =>
    new FirepondError('RPC_AUTH_FAILED', `authentication failed with ${peer}: ${reason}`, { context: { peer, reason } }),
  TIMEOUT: (method: string, peer: string, timeoutMs: number) =>
    new FirepondError('RPC_TIMEOUT', `${method} to ${peer} timed out after ${timeoutMs} ms`, { context: { method, peer, timeoutMs } }),
  CONNECTION_CLOSED: (peer: string, reason: string, cause?: unknown) =>
    new FirepondError('RPC_CONNECTION_CLOSED', `connection to ${peer} closed: ${reason}`, { context: { peer, reason }, cause }),
  UNKNOWN_METHOD: (serviceId: number, methodId: number) =>
    new FirepondError('RPC_UNKNOWN_METHOD', `unknown method ${methodId} of service ${serviceId}`, { context: { serviceId, methodId } }),
  OVERLOADED: (peer: string, waiting: number) =>
    new FirepondError('RPC_OVERLOADED', `too many calls waiting for ${peer} (${waiting})`, { context: { peer, waiting } }),
  BAD_SECRET_FILE: (path: string, reason: string, cause?: unknown) =>
    new FirepondError('RPC_BAD_SECRET_FILE', `refusing cluster secret file ${path}: ${reason}`, { context: { path, reason }, cause }),
};

export const StorageError = {
  CHAIN_VERSION_MISMATCH: make('STORAGE_CHAIN_VERSION_MISMATCH'),
  NOT_COMMITTED: make('STORAGE_NOT_COMMITTED'),
  CHECKSUM_MISMATCH: make('STORAGE_CHECKSUM_MISMATCH'),
  NO_SPACE: make('STORAGE_NO_SPACE'),
  CHUNK_NOT_FOUND: make('STORAGE_CHUNK_NOT_FOUND'),
  FENCED: make('STORAGE_FENCED'),
  ROUTING_ERROR: make('STORAGE_ROUTING_ERROR'),
  DUPLICATE_UPDATE: make('STORAGE_DUPLICATE_UPDATE'),
};

export const MgmtdError = {
  /** `primary` is the address ("host:port") of the current primary, or null when none is known; clients redirect. */
  NOT_PRIMARY: (self: string, primary: string | null) =>
    new FirepondError('MGMTD_NOT_PRIMARY', `mgmtd ${self} is not the primary (primary: ${primary ?? 'unknown'})`, { context: { self, primary } }),
  LEASE_LOST: (self: string, reason: string) =>
    new FirepondError('MGMTD_LEASE_LOST', `mgmtd ${self} lost its primary lease: ${reason}`, { context: { self, reason } }),
  UNKNOWN_NODE: (nodeId: number, reason: string) =>
    new FirepondError('MGMTD_UNKNOWN_NODE', `node ${nodeId} ${reason}; register it first`, { context: { nodeId, reason } }),
};

export const PipelineError = {
  BAD_SQL: (query: string, detail: string, cause?: unknown) =>
    new FirepondError('PIPELINE_BAD_SQL', `failed to run query: ${query}\n${detail}`, { context: { query }, cause }),
  INPUT_NOT_FOUND: (path: string, hint = 'check the path or glob; it is resolved on the worker') =>
    new FirepondError('PIPELINE_INPUT_NOT_FOUND', `input not found: ${path} (${hint})`, { context: { path } }),
  SCHEMA_MISMATCH: (detail: string, paths: readonly string[], cause?: unknown) =>
    new FirepondError('PIPELINE_SCHEMA_MISMATCH', `schema mismatch between input files: ${detail}`, { context: { paths }, cause }),
  PARTITION_KEY_OUT_OF_RANGE: (key: string, npartitions: number) =>
    new FirepondError('PIPELINE_PARTITION_KEY_OUT_OF_RANGE', `partition key ${key} is out of range 0-${npartitions - 1}`, { context: { key, npartitions } }),
  BAD_PLAN: make('PIPELINE_BAD_PLAN'),
  FUNCTION_NOT_PORTABLE: make('PIPELINE_FUNCTION_NOT_PORTABLE'),
  FUNCTION_FAILED: make('PIPELINE_FUNCTION_FAILED'),
  OUT_OF_MEMORY: make('PIPELINE_OUT_OF_MEMORY'),
  TASK_CRASHED: make('PIPELINE_TASK_CRASHED'),
  JOB_FAILED: make('PIPELINE_JOB_FAILED'),
  OUTPUT_EXISTS: make('PIPELINE_OUTPUT_EXISTS'),
};

/** Codes whose failures must not be retried; fed to Temporal retry policies as `nonRetryableErrorTypes`. */
export const NON_RETRYABLE_CODES: readonly ErrorCode[] = (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).filter(
  (code) => !ERROR_CATALOGUE[code].retryable,
);
