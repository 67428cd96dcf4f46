import { hasCode } from '../infra/errors.ts';
import type { ErrorCode } from '../infra/errors.ts';

/** Errors after which the client refreshes routing and tries again (possibly at another replica). */
export const RETRY_WITH_REFRESH: readonly ErrorCode[] = [
  'STORAGE_CHAIN_VERSION_MISMATCH',
  'STORAGE_ROUTING_ERROR',
  'STORAGE_FENCED',
  'RPC_CONNECTION_CLOSED',
  'RPC_TIMEOUT',
  'RPC_OVERLOADED',
  'SERVER_UNAVAILABLE',
];

/** Errors after which the same request is simply tried again. */
export const RETRY_AS_IS: readonly ErrorCode[] = ['STORAGE_NOT_COMMITTED', 'STORAGE_CHECKSUM_MISMATCH'];

export type RetryVerdict = 'refresh' | 'again' | 'give-up';

export function retryVerdict(err: unknown): RetryVerdict {
  if (hasCode(err, ...RETRY_WITH_REFRESH)) return 'refresh';
  if (hasCode(err, ...RETRY_AS_IS)) return 'again';
  return 'give-up';
}

/** Exponential backoff with full jitter, capped. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}
