import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirepondError } from '../infra/errors.ts';
import { testSession } from './helpers.ts';

test('the first non-retryable task failure fails the job at once and cancels the stage\'s other tasks', { timeout: 180_000 }, async (t) => {
  const sp = await testSession(t, { workerConcurrency: 2 });
  const items = await sp.fromItems(Array.from({ length: 400 }, (_, i) => i));
  const df = items.repartition(40, { byRows: true }).map(
    `item, CASE WHEN item = 25 THEN error('bad row ' || item) ELSE (SELECT sum(hash(i)) FROM range(10000000) t(i)) END AS s`,
  );
  await assert.rejects(df.compute(), (err: unknown) => {
    assert.ok(err instanceof FirepondError);
    assert.equal(err.code, 'PIPELINE_BAD_SQL');
    assert.match(err.message, /bad row 25/);
    assert.match(err.message, /error\('bad row ' \|\| item\)/, 'the message names the query');
    return true;
  });

  // The failing stage recorded the failure once (not retried) and asked to cancel what was still scheduled.
  const client = sp.temporal.client;
  let cancelRequested = 0;
  let completed = 0;
  let failedAttempts = 0;
  for (let stage = 0; stage < 4; stage++) {
    const history = await client.workflow.getHandle(`smallpond/${sp.jobId}.1/stage-${stage}`).fetchHistory().catch(() => null);
    for (const e of history?.events ?? []) {
      if (e.activityTaskCancelRequestedEventAttributes) cancelRequested++;
      if (e.activityTaskFailedEventAttributes) failedAttempts++;
      if (e.activityTaskCompletedEventAttributes) completed++;
    }
  }
  assert.equal(failedAttempts, 1, 'bad SQL is not retried');
  assert.ok(cancelRequested > 0, 'the remaining tasks were cancelled');
  assert.ok(completed < 40 + 3, `not every task ran (${completed} completed)`);
});
