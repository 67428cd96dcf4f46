/**
 * Session behaviour (smallpond's test_session.py): shutdown records the outcome in `<jobRoot>/log/.STATUS` and cleans
 * up only after success; and a new session on the same job id resumes, skipping every committed task.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { DataFrame, Session } from '../client/smallpond/index.ts';
import { hasCode } from '../infra/errors.ts';
import type { PipelineResult } from '../workflows/messages.ts';
import { sharedTempDir, testSession } from './helpers.ts';

type Row = Record<string, unknown>;

const STATUS_LINE = /^(success|failure)@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function statusLines(jobRoot: string): string[] {
  return readFileSync(join(jobRoot, 'log', '.STATUS'), 'utf8').trim().split('\n');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The committed task manifests under `<jobRoot>/stages`, with their modification times. */
function committedManifests(jobRoot: string): Map<string, number> {
  const out = new Map<string, number>();
  const stages = join(jobRoot, 'stages');
  for (const stage of readdirSync(stages)) {
    const tasks = join(stages, stage, 'tasks');
    if (!existsSync(tasks)) continue;
    for (const task of readdirSync(tasks)) {
      const manifest = join(tasks, task, '_manifest.json');
      out.set(manifest, statSync(manifest).mtimeMs);
    }
  }
  return out;
}

/** The pipeline workflow's own result for the session's `n`-th action (`smallpond/<job>.<n>`, latest run). */
async function pipelineResult(sp: Session, n: number): Promise<PipelineResult> {
  return sp.temporal.client.workflow.getHandle(`smallpond/${sp.jobId}.${n}`).result() as Promise<PipelineResult>;
}

function throwOnThree(row: Row): Row {
  if (row['item'] === 3) throw new Error('item 3 is cursed');
  return row;
}

void describe('session status (test_session.py)', () => {
  void it('after success, shutdown writes success@<time> and removes intermediate data', async (t) => {
    const sp = await testSession(t);
    const df = (await sp.fromItems(range(100))).repartition(4, { byRows: true }).map('item * 2 AS twice');
    assert.equal((await df.takeAll()).length, 100);
    assert.ok(readdirSync(join(sp.jobRoot, 'stages')).length > 0, 'the job wrote stage data');

    await sp.shutdown();
    const lines = statusLines(sp.jobRoot);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, STATUS_LINE);
    assert.ok(lines[0]!.startsWith('success@'), lines[0]);
    assert.equal(existsSync(join(sp.jobRoot, 'stages')), false, 'stages/ is removed on success');
    assert.equal(existsSync(join(sp.jobRoot, 'inputs')), false, 'inputs/ is removed on success');
    await sp.shutdown(); // idempotent: no second status line
    assert.equal(statusLines(sp.jobRoot).length, 1);
  });

  void it('after a failed action, shutdown writes failure@<time> and keeps stages/', async (t) => {
    const sp = await testSession(t);
    const items = await sp.fromItems(range(10));
    assert.equal(await items.map('item + 1 AS x').count(), 10);
    // smallpond fails a `x/0` map; DuckDB gives Infinity for 1/0 and NULL for 1//0, so a throwing function it is.
    await assert.rejects(items.map(throwOnThree).takeAll(), (err) => {
      assert.ok(hasCode(err, 'PIPELINE_FUNCTION_FAILED'), String(err));
      assert.match(err.message, /item 3 is cursed/);
      return true;
    });

    await sp.shutdown();
    const lines = statusLines(sp.jobRoot);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, STATUS_LINE);
    assert.ok(lines[0]!.startsWith('failure@'), lines[0]);
    assert.ok(committedManifests(sp.jobRoot).size > 0, 'committed stage output is kept for a re-run');
    assert.ok(existsSync(join(sp.jobRoot, 'inputs')), 'inputs/ is kept on failure');
  });

  void it('a failed SQL action marks the session failed too', async (t) => {
    const sp = await testSession(t);
    await assert.rejects(sp.partialSql('SELECT nosuchcolumn FROM range(3)').takeAll(), (err) => hasCode(err, 'PIPELINE_BAD_SQL'));
    await sp.shutdown();
    assert.ok(statusLines(sp.jobRoot)[0]!.startsWith('failure@'));
  });
});

void describe('resuming a job in a new session', () => {
  const dataRoot = sharedTempDir('fp-resume-');

  void it('skips every committed task and reruns only what changed', async (t) => {
    const jobId = `t-resume-${randomUUID().slice(0, 8)}`;
    const build = async (sp: Session): Promise<DataFrame> =>
      (await sp.fromItems(range(100))).repartition(4, { byRows: true }).map('item, item * 2 AS twice');

    // 1. First session: the job runs every task, then a later action fails, so shutdown keeps the stage data.
    const first = await testSession(t, { jobId, dataRoot: dataRoot() });
    const df1 = await build(first);
    const rows1 = await df1.takeAll();
    assert.equal(rows1.length, 100);
    const run1 = await pipelineResult(first, 1);
    assert.ok(run1.stages.length >= 3, `expected source, split and map stages, got ${run1.stages.length}`);
    for (const s of run1.stages) {
      assert.equal(s.tasksSkipped, 0, `stage ${s.index} skipped tasks on a fresh job`);
      assert.ok(s.tasksRun > 0, `stage ${s.index} ran no task`);
    }
    await assert.rejects(df1.map((r: Row) => ({ bad: (r as { nope: { x: number } }).nope.x })).takeAll(), (err) => hasCode(err, 'PIPELINE_FUNCTION_FAILED'));
    await first.shutdown();
    assert.ok(statusLines(first.jobRoot).at(-1)!.startsWith('failure@'));
    const committed = committedManifests(first.jobRoot);
    assert.ok(committed.size > 0);

    // 2. A new session on the same job id and data root: the same pipeline skips every task.
    const second = await testSession(t, { jobId, dataRoot: dataRoot() });
    assert.equal(second.jobRoot, first.jobRoot);
    const df2 = await build(second);
    assert.deepEqual(await df2.takeAll(), rows1);
    const run2 = await pipelineResult(second, 1);
    assert.deepEqual(run2.stages.map((s) => s.key), run1.stages.map((s) => s.key), 'the same stages (content-derived keys)');
    for (const [i, s] of run2.stages.entries()) {
      assert.equal(s.tasksRun, 0, `stage ${s.index} ran tasks again`);
      assert.equal(s.tasksSkipped, run1.stages[i]!.tasksRun, `stage ${s.index} skipped fewer tasks than were committed`);
    }

    // 3. A new step on top runs only its own tasks; recompute() reruns the last step alone.
    const extended = df2.map('twice + 1 AS odd');
    assert.deepEqual((await extended.takeAll()).map((r) => r['odd']), range(100).map((i) => 2 * i + 1));
    const run3 = await pipelineResult(second, 2);
    const last = run3.stages.at(-1)!;
    assert.equal(last.tasksRun, 4);
    for (const s of run3.stages.slice(0, -1)) assert.equal(s.tasksRun, 0, `upstream stage ${s.index} ran again`);

    assert.equal((await df2.recompute().takeAll()).length, 100);
    const run4 = await pipelineResult(second, 3);
    assert.equal(run4.stages.at(-1)!.tasksRun, 4, 'recompute() reruns the last step');
    assert.equal(run4.stages.at(-1)!.key === run2.stages.at(-1)!.key, false, 'recompute() writes under a new stage key');
    for (const s of run4.stages.slice(0, -1)) assert.equal(s.tasksRun, 0, `upstream stage ${s.index} ran again`);

    // Committed files were not rewritten.
    for (const [manifest, mtime] of committed) assert.equal(statSync(manifest).mtimeMs, mtime, `${manifest} was rewritten`);

    // 4. This session succeeds: its status line follows the first session's, and the stage data is removed.
    await second.shutdown();
    const lines = statusLines(second.jobRoot);
    assert.equal(lines.length, 2);
    assert.ok(lines[0]!.startsWith('failure@') && lines[1]!.startsWith('success@'), lines.join(' | '));
    assert.equal(existsSync(join(second.jobRoot, 'stages')), false);
  });
});
