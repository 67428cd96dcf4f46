/**
 * The retry loop behind every engine's `transact`, as FoundationDB's `run` and 3FS's FDBRetryStrategy: run the
 * callback, commit, and on a retryable failure back off (10 ms doubling to 1 s, with jitter) and start over on a
 * fresh snapshot, at most `maxRetries` times.
 *
 * KV_COMMIT_UNKNOWN is retried only for idempotent transactions: the first attempt may have been applied.
 */
import { hasCode } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import type { TransactOptions, Transaction } from './types.ts';

export const DEFAULT_TRANSACT_OPTIONS = {
  idempotent: false,
  maxRetries: 10,
  initialBackoffMs: 10,
  maxBackoffMs: 1000,
} as const satisfies Required<TransactOptions>;

/** One attempt at a transaction, made by an engine. */
export interface TransactionAttempt {
  readonly tx: Transaction;
  commit(): Promise<void>;
  /** Ends an attempt that will not commit. */
  abandon(error: unknown): void;
}

const ALWAYS_RETRIED: readonly ErrorCode[] = ['KV_CONFLICT', 'KV_TOO_OLD', 'KV_THROTTLED'];

export async function runTransaction<T>(
  begin: () => TransactionAttempt,
  fn: (tx: Transaction) => Promise<T>,
  options: TransactOptions = {},
): Promise<T> {
  const opts = { ...DEFAULT_TRANSACT_OPTIONS, ...options };
  for (let retry = 0; ; retry++) {
    const attempt = begin();
    try {
      const result = await fn(attempt.tx);
      await attempt.commit();
      return result;
    } catch (err) {
      attempt.abandon(err);
      if (retry >= opts.maxRetries || !isRetryable(err, opts.idempotent)) throw err;
    }
    await sleep(backoffMs(retry, opts.initialBackoffMs, opts.maxBackoffMs));
  }
}

export function isRetryable(err: unknown, idempotent: boolean): boolean {
  return hasCode(err, ...ALWAYS_RETRIED) || (idempotent && hasCode(err, 'KV_COMMIT_UNKNOWN'));
}

/** Exponential backoff with jitter in [half, full], so that conflicting retries spread out. */
function backoffMs(retry: number, initialMs: number, maxMs: number): number {
  const full = Math.min(maxMs, initialMs * 2 ** retry);
  return full / 2 + Math.random() * (full / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
