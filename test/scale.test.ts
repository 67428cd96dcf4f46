import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testSession } from './helpers.ts';

/**
 * A job of 10,000 partition tasks runs to completion within Temporal's limits: the stage workflow keeps a bounded
 * number of activities in flight and continues as new before its history grows large. Running it again launches no
 * task at all.
 */
test('a 10,000-task job completes, stays within history limits, and a re-run launches no tasks', { timeout: 20 * 60_000 }, async (t) => {
  const N = 10_000;
  const sp = await testSession(t, { workerConcurrency: 16, execution: { window: 200, tasksPerRun: 2_500 } });
  const items = await sp.fromItems(Array.from({ length: N }, (_, i) => i));
  const df = items.repartition(N, { byRows: true }).map('item * 2 AS x');

  const first = await df.compute();
  assert.equal(first.ref.partitions, N);
  assert.equal(await first.count(), N);
  const mapStage = first.result!.stages.find((s) => s.tasksRun === N);
  assert.ok(mapStage !== undefined, `one stage ran all ${N} tasks: ${JSON.stringify(first.result!.stages)}`);

  // Every run of the big stage's workflow stayed far below the 51,200-event history limit (and the 10,240 warning).
  const client = sp.temporal.client;
  const stageId = `smallpond/${sp.jobId}.1/stage-${mapStage.index}`;
  const runs: number[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowId = "${stageId}"` })) runs.push(info.historyLength);
  assert.ok(runs.length >= 4, `the stage continued as new (${runs.length} runs)`);
  for (const len of runs) assert.ok(len > 0 && len < 10_240, `history of one run: ${len} events`);

  const sum = (await first.rows()).reduce((acc, r) => acc + Number(r['x']), 0);
  assert.equal(sum, N * (N - 1));

  const again = await df.compute();
  assert.deepEqual(again.result!.stages.map((s) => s.tasksRun), again.result!.stages.map(() => 0));
  assert.equal(await again.count(), N);
});
