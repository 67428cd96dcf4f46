/**
 * FoundationDB error codes mapped onto the catalogue. Codes from
 * https://apple.github.io/foundationdb/api-error-codes.html.
 */
import { FirepondError, KvError } from '../errors.ts';
import type { FdbErrorLike } from './fdb-binding.ts';

const NOT_COMMITTED = 1020;
const COMMIT_UNKNOWN_RESULT = 1021;
const TRANSACTION_TOO_OLD = 1007;
/** future_version, process_behind, tag_throttled, grv_proxy_memory_limit_exceeded, batch_transaction_throttled. */
const RETRY_LATER = new Set([1009, 1037, 1213, 1078, 1051]);

export function toKvError(err: unknown): unknown {
  if (err instanceof FirepondError || !isFdbError(err)) return err;
  if (err.code === NOT_COMMITTED) return KvError.CONFLICT(`FoundationDB ${err.code}: ${err.message}`);
  if (err.code === COMMIT_UNKNOWN_RESULT) return KvError.COMMIT_UNKNOWN('foundationdb', err);
  if (err.code === TRANSACTION_TOO_OLD) return KvError.TOO_OLD(`FoundationDB ${err.code}: ${err.message}`, { engine: 'foundationdb' });
  if (RETRY_LATER.has(err.code)) return KvError.THROTTLED('foundationdb', `error ${err.code}: ${err.message}`, err);
  return KvError.ENGINE_UNAVAILABLE('foundationdb', `error ${err.code}: ${err.message}`, err);
}

/** Runs `op`, turning FoundationDB errors into catalogue errors. */
export async function mapFdbErrors<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw toKvError(err);
  }
}

function isFdbError(err: unknown): err is FdbErrorLike {
  return err instanceof Error && typeof (err as Partial<FdbErrorLike>).code === 'number';
}
