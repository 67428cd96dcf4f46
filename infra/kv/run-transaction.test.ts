import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GeneralError, hasCode, KvError } from '../errors.ts';
import { runTransaction } from './run-transaction.ts';
import type { TransactionAttempt } from './run-transaction.ts';
import type { Transaction } from './types.ts';

/** Attempts whose commits fail with the given errors in turn, then succeed. */
function attempts(failures: unknown[]): { begin: () => TransactionAttempt; abandoned: unknown[] } {
  const abandoned: unknown[] = [];
  const begin = (): TransactionAttempt => ({
    tx: {} as Transaction,
    commit: async () => {
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
    },
    abandon: (err) => void abandoned.push(err),
  });
  return { begin, abandoned };
}

const fast = { initialBackoffMs: 0, maxBackoffMs: 0 };

test('conflicts, too-old and throttled results are retried until the commit succeeds', async () => {
  const { begin, abandoned } = attempts([KvError.CONFLICT('x'), KvError.TOO_OLD('x'), KvError.THROTTLED('memory', 'x')]);
  let calls = 0;
  assert.equal(await runTransaction(begin, async () => ++calls, fast), 4);
  assert.equal(abandoned.length, 3);
});

test('retries stop at maxRetries and the last error is thrown', async () => {
  const { begin } = attempts(Array.from({ length: 10 }, (_, i) => KvError.CONFLICT(`#${i}`)));
  let calls = 0;
  await assert.rejects(
    runTransaction(begin, async () => void calls++, { ...fast, maxRetries: 2 }),
    (err) => hasCode(err, 'KV_CONFLICT') && err.message.endsWith('#2'),
  );
  assert.equal(calls, 3);
});

test('an unknown commit result is retried only when the transaction is idempotent', async () => {
  let calls = 0;
  const once = attempts([KvError.COMMIT_UNKNOWN('memory')]);
  await assert.rejects(runTransaction(once.begin, async () => void calls++, fast), (err) => hasCode(err, 'KV_COMMIT_UNKNOWN'));
  assert.equal(calls, 1);
  const retried = attempts([KvError.COMMIT_UNKNOWN('memory')]);
  await runTransaction(retried.begin, async () => void calls++, { ...fast, idempotent: true });
  assert.equal(calls, 3);
});

test('other errors, from the callback or the commit, are thrown at once', async () => {
  const { begin, abandoned } = attempts([]);
  const bug = GeneralError.INVALID_ARGUMENT('bad');
  let calls = 0;
  await assert.rejects(runTransaction(begin, async () => {
    calls++;
    throw bug;
  }, fast), (err) => err === bug);
  assert.equal(calls, 1);
  assert.deepEqual(abandoned, [bug]);
});
