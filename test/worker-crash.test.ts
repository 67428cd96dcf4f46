import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { progressQuery } from '../workflows/messages.ts';
import { temporalAddress, testSession } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..');

/** A `firepond worker` in its own process, so the test can kill it with SIGKILL like a crashed host. */
async function startWorker(taskQueue: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/firepond.js'), 'worker', '--address', temporalAddress(), '--task-queue', taskQueue, '--concurrency', '2'], {
    cwd: ROOT,
    env: { ...process.env, FIREPOND_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Ready once it prints its banner.
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.match(chunk.toString(), /worker on/);
  child.stdout!.resume();
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = once(child, 'exit').then(() => undefined);
  child.kill('SIGKILL');
  return exited;
}

test('a job whose worker is killed mid-stage completes after a new worker starts, with the same output', { timeout: 5 * 60_000 }, async (t) => {
  const sp = await testSession(t, { startWorker: false, execution: { heartbeatTimeoutMs: 5_000 } });
  const queue = sp.options.execution.taskQueue;
  const workers: ChildProcess[] = [];
  t.after(async () => {
    for (const w of workers) await kill(w);
  });
  workers.push(await startWorker(queue));

  const items = await sp.fromItems(Array.from({ length: 400 }, (_, i) => i));
  // Each task spins for a while inside DuckDB so the kill lands while tasks are running.
  const df = items
    .repartition(20, { byRows: true })
    .map('item, item * 3 AS y, (SELECT sum(hash(i)) FROM range(15000000) t(i)) > 0 AS spun');
  const running = df.compute();

  const handle = sp.temporal.client.workflow.getHandle(`smallpond/${sp.jobId}.1`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    assert.ok(Date.now() < deadline, 'the map stage never got going');
    const p = await handle.query(progressQuery).catch(() => null);
    const stage = p?.stages.find((s) => s.total === 20 && s.state === 'running');
    if (stage !== undefined && stage.done >= 3) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await kill(workers[0]!);
  workers.push(await startWorker(queue));

  const output = await running;
  // The kill really interrupted running tasks: some task needed a second attempt.
  let retried = 0;
  for (const stage of output.result!.stages) {
    const history = await sp.temporal.client.workflow.getHandle(`smallpond/${sp.jobId}.1/stage-${stage.index}`).fetchHistory();
    for (const e of history.events ?? []) {
      if ((e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) retried++;
    }
  }
  assert.ok(retried > 0, 'at least one task was retried after the kill');
  const rows = await output.rows();
  const items2 = rows.map((r) => r['item'] as number).sort((a, b) => a - b);
  assert.deepEqual(items2, Array.from({ length: 400 }, (_, i) => i), 'no missing or duplicate rows');
  for (const r of rows) {
    assert.equal(r['y'], (r['item'] as number) * 3);
    assert.equal(r['spun'], true);
  }
  // Same output as an undisturbed run of the same plan (a fresh job id recomputes everything).
  const undisturbed = await df.recompute().takeAll();
  const key = (r: Record<string, unknown>): string => JSON.stringify(r);
  assert.deepEqual(rows.map(key).sort(), undisturbed.map(key).sort());
});
