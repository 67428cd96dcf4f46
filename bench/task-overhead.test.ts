/**
 * The task-overhead benchmark at a handful of tasks (STYLE.md rule 12): every task yields one sample read back from
 * the stage workflow's history. No assertion on time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quietTemporal, tempDir, temporalAddress } from '../test/helpers.ts';
import { formatReport, measureTaskOverhead } from './task-overhead.ts';

test('task overhead at 6 tasks: one timed sample per task, from history and the worker', async (t) => {
  quietTemporal();
  const report = await measureTaskOverhead({ address: temporalAddress(), dataDir: tempDir(t, 'fp-overhead-'), tasks: 6, concurrency: 2, duckdbRuns: 3 });
  assert.equal(report.samples.length, 6);
  assert.deepEqual(new Set(report.samples.map((s) => s.activityId)).size, 6);
  for (const s of report.samples) {
    for (const v of [s.dispatchMs, s.runMs, s.insideMs, s.overheadMs]) assert.ok(Number.isFinite(v));
  }
  assert.ok(Number.isFinite(report.duckdb.median));
  assert.match(formatReport(report), /overhead/);
});
