import { renderTemplate } from '../../../workflows/template.ts';
import type { SqlParams } from '../../../workflows/plan.ts';
import { outputFileName } from '../layout.ts';
import { join } from 'node:path';
import type { TaskContext, TaskResult } from '../task-context.ts';
import { copyToParquet, defineInputViews, runSql } from '../task-context.ts';
import { PARQUET_READER } from '../../../workflows/plan.ts';

/** A deterministic per-task seed, so `{rand_seed}` and `setseed` repeat across retries. */
export function taskSeed(stageKey: string, task: number): number {
  let h = 2166136261;
  for (const ch of `${stageKey}:${task}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h / 2 ** 32;
}

/** Runs the stage's queries over this task's inputs; only the last query's result is written. */
export async function runSqlTask(ctx: TaskContext, params: SqlParams): Promise<TaskResult> {
  const { stage, task } = ctx.input;
  const { connection } = await ctx.db();
  const views = await defineInputViews(ctx, connection);
  const seed = taskSeed(stage.key, task);
  await runSql(connection, `SELECT setseed(${seed})`);
  const values: Record<string, string> = {
    __data_partition__: String(task),
    rand_seed: String(Math.floor(seed * 2 ** 31)),
    cpu_limit: String(stage.resources.threads),
    memory_limit: stage.resources.memoryLimit ?? 'null',
  };
  views.forEach((v, k) => (values[String(k)] = v));
  const queries = params.queries.map((q) => renderTemplate(q, values));
  for (const [i, q] of queries.entries()) {
    if (i < queries.length - 1) await runSql(connection, q, params.queries[i]);
  }
  const last = queries[queries.length - 1]!;
  const file = outputFileName(stage.key, task, task, 0);
  const rows = await copyToParquet(connection, last, join(ctx.attemptDir, file), params.queries[params.queries.length - 1]!);
  return { partitions: { [task]: { reader: PARQUET_READER, files: [{ path: file, rows, range: null }] } } };
}
