import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { progressQuery } from '../workflows/messages.ts';
import { JOB_ID, JOB_KIND, JOB_STATUS } from '../workflows/search-attributes.ts';
import { temporalAddress, testSession } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);

/** What a user sees of a job in the Web UI (and the CLI): ids, search attributes, child stages, summary, progress. */
test('a finished job is listed with its search attributes, child stage workflows, summary and progress', { timeout: 120_000 }, async (t) => {
  const sp = await testSession(t);
  const parts = (await sp.fromItems(Array.from({ length: 100 }, (_, i) => ({ k: i % 7, v: i })))).repartition(4, { hashBy: 'k' });
  const df = sp.partialSql('SELECT k, sum(v) AS total FROM {0} GROUP BY k', parts);
  const out = await df.compute();
  assert.equal(out.ref.partitions, 4);

  const client = sp.temporal.client;
  const jobWorkflow = `smallpond/${sp.jobId}.1`;

  // Visibility is eventually consistent; poll briefly.
  let pipelines: string[] = [];
  for (let i = 0; i < 50 && pipelines.length === 0; i++) {
    pipelines = [];
    for await (const info of client.workflow.list({ query: `SmallpondJobId = "${sp.jobId}" AND SmallpondKind = "pipeline"` })) {
      pipelines.push(info.workflowId);
    }
    if (pipelines.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(pipelines, [jobWorkflow]);

  const d = await client.workflow.getHandle(jobWorkflow).describe();
  assert.equal(d.status.name, 'COMPLETED');
  assert.equal(d.typedSearchAttributes.get(JOB_ID), sp.jobId);
  assert.equal(d.typedSearchAttributes.get(JOB_KIND), 'pipeline');
  assert.equal(d.typedSearchAttributes.get(JOB_STATUS), 'completed');
  assert.match((await d.staticSummary()) ?? '', new RegExp(`smallpond job ${sp.jobId}: \\d+ stages`));
  assert.match((await d.staticDetails()) ?? '', /\| # \| kind \| stage \|/);

  const stages: string[] = [];
  for (let i = 0; i < 50; i++) {
    stages.length = 0;
    for await (const info of client.workflow.list({ query: `ParentWorkflowId = "${jobWorkflow}"` })) {
      assert.equal(info.status.name, 'COMPLETED');
      stages.push(info.workflowId);
    }
    if (stages.length === out.result!.stages.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(stages.sort(), out.result!.stages.map((s) => `${jobWorkflow}/stage-${s.index}`).sort());

  // The progress query answers on a closed job while a worker can replay it.
  const p = await client.workflow.getHandle(jobWorkflow).query(progressQuery);
  assert.equal(p.stagesDone, p.stagesTotal);
  assert.equal(p.tasksDone, p.tasksTotal);

  // The CLI shows the same.
  const env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), FIREPOND_LOG_LEVEL: 'ERROR' };
  const list = await run(process.execPath, [join(ROOT, 'bin/firepond.js'), 'job', 'list', '--job', sp.jobId], { cwd: ROOT, env });
  assert.match(list.stdout, new RegExp(`${jobWorkflow.replace('.', '\\.')}\\s+completed`));
  const show = await run(process.execPath, [join(ROOT, 'bin/firepond.js'), 'job', 'show', `${sp.jobId}.1`], { cwd: ROOT, env });
  assert.match(show.stdout, /completed/);
  assert.match(show.stdout, /progress: stage (\d+)\/\1/);
  assert.match(show.stdout, new RegExp(`${jobWorkflow.replace('.', '\\.')}/stage-0\\s+completed`));
});
