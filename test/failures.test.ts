import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirepondError } from '../infra/errors.ts';
import { testSession } from './helpers.ts';

test('the first non-retryable task failure fails the job at once and cancels the stage\'s other tasks', { timeout: 180_000 }, async (t) => {
  // A window of 2 keeps few tasks in flight, so the failure must stop the stage long before its 40 tasks are done.
  const sp = await testSession(t, { workerConcurrency: 2, execution: { window: 2 } });
  const items = await sp.fromItems(Array.from({ length: 400 }, (_, i) => i));
  const df = items.repartition(40, { byRows: true }).map(
    `item, CASE WHEN item = 5 THEN error('bad row ' || item) ELSE (SELECT sum(hash(i)) FROM range(60000000) t(i)) END AS s`,
  );
  await assert.rejects(df.compute(), (err: unknown) => {
    assert.ok(err instanceof FirepondError);
    assert.equal(err.code, 'PIPELINE_BAD_SQL');
    assert.match(err.message, /bad row 5/);
    assert.match(err.message, /error\('bad row ' \|\| item\)/, 'the message names the query');
    return true;
  });

  // The failing stage recorded the failure once (not retried), asked to cancel the task still in flight, and never
  // started the rest.
  const client = sp.temporal.client;
  const history = await client.workflow.getHandle(`smallpond/${sp.jobId}.1/stage-2`).fetchHistory();
  const taskIds = new Set<string>();
  let cancelRequested = 0;
  let completedTasks = 0;
  let failedAttempts = 0;
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'smallpondRunTask') taskIds.add(String(e.eventId));
    if (e.activityTaskCancelRequestedEventAttributes) cancelRequested++;
    if (e.activityTaskFailedEventAttributes) failedAttempts++;
    const done = e.activityTaskCompletedEventAttributes;
    if (done && taskIds.has(String(done.scheduledEventId))) completedTasks++;
  }
  assert.equal(failedAttempts, 1, 'bad SQL is not retried');
  // Scheduling stopped at the failure: most of the 40 tasks never started ...
  assert.ok(taskIds.size < 10, `scheduling stopped at the failure (${taskIds.size} of 40 tasks scheduled)`);
  // ... and every task that had been scheduled either finished, failed, or was asked to cancel; none was left running.
  assert.equal(completedTasks + failedAttempts + cancelRequested, taskIds.size,
    `${taskIds.size} scheduled = ${completedTasks} completed + ${failedAttempts} failed + ${cancelRequested} cancelled`);
});
