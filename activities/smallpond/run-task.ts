import { randomUUID } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBSession } from '../../infra/duckdb/index.ts';
import { openDuckDB } from '../../infra/duckdb/index.ts';
import type { TaskInput, TaskOutput } from '../../workflows/messages.ts';
import type { StageParams } from '../../workflows/plan.ts';
import { attemptsDir, MANIFEST_FILE, taskDir } from './layout.ts';
import type { TaskManifest } from './manifest.ts';
import { totalRows, writeJsonAtomic } from './manifest.ts';
import type { TaskContext, TaskResult } from './task-context.ts';
import { runHashTask } from './tasks/hash.ts';
import { runJsTask } from './tasks/js.ts';
import { runSinkTask } from './tasks/sink.ts';
import { runSourceTask } from './tasks/source.ts';
import { runSplitTask } from './tasks/split.ts';
import { runSqlTask } from './tasks/sql.ts';
import { runUnionTask } from './tasks/union.ts';

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

function dispatch(ctx: TaskContext, params: StageParams): Promise<TaskResult> {
  switch (params.kind) {
    case 'source': return runSourceTask(ctx, params);
    case 'sql': return runSqlTask(ctx, params);
    case 'hash': return runHashTask(ctx, params);
    case 'split': return runSplitTask(ctx, params);
    case 'union': return runUnionTask(ctx);
    case 'js': return runJsTask(ctx, params);
    case 'sink': return runSinkTask(ctx, params);
  }
}

export interface RunTaskHooks {
  /** Called while the task runs, at least every few seconds (the activity heartbeats here). */
  readonly heartbeat?: () => void;
  /** Aborted when the activity is cancelled; DuckDB is interrupted. */
  readonly signal?: AbortSignal;
}

/**
 * Runs one partition task, exactly once in effect:
 *   1. a committed task directory (with its manifest) means done: return at once;
 *   2. otherwise work in a fresh attempt directory with a DuckDB of the stage's threads and memory limit;
 *   3. write the manifest inside the attempt, then commit by renaming the attempt onto the task directory. If another
 *      attempt won the rename, ours is discarded: both wrote the same partition from the same inputs.
 */
export async function runTask(input: TaskInput, hooks: RunTaskHooks = {}): Promise<TaskOutput> {
  const { jobRoot, stage, task } = input;
  const finalDir = taskDir(jobRoot, stage.key, task);
  if (await exists(join(finalDir, MANIFEST_FILE))) return { task, rows: null, skipped: true };

  const attemptDir = join(attemptsDir(jobRoot, stage.key), `${task}.${randomUUID()}`);
  await mkdir(attemptDir, { recursive: true });
  let session: DuckDBSession | null = null;
  const ctx: TaskContext = {
    input,
    attemptDir,
    async db() {
      session ??= await openDuckDB({ threads: stage.resources.threads, memoryLimit: stage.resources.memoryLimit });
      return session;
    },
  };
  const onAbort = (): void => session?.connection.interrupt();
  hooks.signal?.addEventListener('abort', onAbort);
  const beat = hooks.heartbeat === undefined ? null : setInterval(hooks.heartbeat, 2_000);
  try {
    const result = await dispatch(ctx, stage.params);
    const manifest: TaskManifest = { stageKey: stage.key, task, partitions: result.partitions };
    await writeJsonAtomic(join(attemptDir, MANIFEST_FILE), manifest);
    await mkdir(join(finalDir, '..'), { recursive: true });
    try {
      await rename(attemptDir, finalDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await rm(attemptDir, { recursive: true, force: true });
    }
    const rows = Object.values(result.partitions).reduce<number | null>((n, d) => {
      const r = totalRows(d);
      return n === null || r === null ? null : n + r;
    }, 0);
    return { task, rows, skipped: false };
  } catch (err) {
    await rm(attemptDir, { recursive: true, force: true });
    throw err;
  } finally {
    if (beat !== null) clearInterval(beat);
    hooks.signal?.removeEventListener('abort', onAbort);
    (session as DuckDBSession | null)?.close();
  }
}
