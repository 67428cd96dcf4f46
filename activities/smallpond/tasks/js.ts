import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createTableFromArrow, createTableFromRows, queryToArrow, readRows } from '../../../infra/duckdb/index.ts';
import { FirepondError, PipelineError } from '../../../infra/errors.ts';
import type { JsParams } from '../../../workflows/plan.ts';
import { PARQUET_READER } from '../../../workflows/plan.ts';
import { resolveFunction } from '../function-registry.ts';
import { outputFileName } from '../layout.ts';
import type { TaskContext, TaskResult } from '../task-context.ts';
import { copyToParquet, defineInputViews, runSql } from '../task-context.ts';

/**
 * User functions run on the activity's event loop; yielding now and then lets its heartbeat timer fire, so a long
 * map is not mistaken for a dead worker.
 */
const YIELD_EVERY = 10_000;
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Calls a user function (sync or async) and turns what it throws into FUNCTION_FAILED naming the step. */
async function callUser(what: string, fn: () => unknown): Promise<unknown> {
  try {
    const value = fn();
    return typeof (value as PromiseLike<unknown> | null)?.then === 'function' ? await value : value;
  } catch (err) {
    if (err instanceof FirepondError) throw err;
    throw PipelineError.FUNCTION_FAILED(`the ${what} function threw: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

async function applyRows(connection: DuckDBConnection, view: string, params: JsParams): Promise<string> {
  const fn = resolveFunction(params.fn);
  const rows = await readRows(connection, `SELECT * FROM ${view}`);
  if (params.mode === 'filter') {
    // Keep the input's exact column types: compute a mask in JS, select the kept row numbers in SQL.
    const keep: { i: number }[] = [];
    for (const [i, row] of rows.entries()) {
      if (await callUser('filter', () => fn(row))) keep.push({ i });
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
    }
    await runSql(connection, `CREATE TABLE __rows AS SELECT *, (row_number() OVER () - 1) AS __rn FROM ${view}`);
    await createTableFromRows(connection, keep, { i: 'BIGINT' }, '__keep');
    return 'SELECT * EXCLUDE (__rn) FROM __rows WHERE __rn IN (SELECT i FROM __keep) ORDER BY __rn';
  }
  const out: Record<string, unknown>[] = [];
  for (const [i, row] of rows.entries()) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
    const result = await callUser(params.mode, () => fn(row));
    if (params.mode === 'map') {
      if (typeof result !== 'object' || result === null || Array.isArray(result)) {
        throw PipelineError.FUNCTION_FAILED(`the map function must return an object (a row), got ${JSON.stringify(result)}`);
      }
      out.push(result as Record<string, unknown>);
    } else {
      if (!Array.isArray(result)) throw PipelineError.FUNCTION_FAILED('the flatMap function must return an array of rows');
      out.push(...(result as Record<string, unknown>[]));
    }
  }
  if (out.length === 0 && params.schema === null) {
    // No rows and no schema: keep the input's columns so downstream SQL still binds.
    return `SELECT * FROM ${view} LIMIT 0`;
  }
  await createTableFromRows(connection, out, params.schema, '__out');
  return 'SELECT * FROM __out';
}

async function applyBatches(connection: DuckDBConnection, view: string, params: JsParams): Promise<string> {
  const fn = resolveFunction(params.fn);
  await runSql(connection, `CREATE TABLE __rows AS SELECT * FROM ${view}`);
  const count = Number((await connection.runAndReadAll('SELECT count(*) FROM __rows')).getRows()[0]?.[0] ?? 0);
  let created = false;
  for (let offset = 0; offset < count || (offset === 0 && !created); offset += params.batchSize) {
    const batch = await queryToArrow(connection, `SELECT * FROM __rows LIMIT ${params.batchSize} OFFSET ${offset}`);
    const result = await callUser('mapBatches', () => fn(batch));
    if (typeof result !== 'object' || result === null || !('numRows' in result) || !('schema' in result)) {
      throw PipelineError.FUNCTION_FAILED('the mapBatches function must return an apache-arrow Table');
    }
    await createTableFromArrow(connection, result as typeof batch, '__batch');
    await runSql(connection, created ? 'INSERT INTO __out SELECT * FROM __batch' : 'CREATE TABLE __out AS SELECT * FROM __batch');
    await runSql(connection, 'DROP TABLE __batch');
    created = true;
    if (count === 0) break;
  }
  return 'SELECT * FROM __out';
}

/** map / flatMap / filter / mapBatches with a JS function, over the whole partition in this worker's memory. */
export async function runJsTask(ctx: TaskContext, params: JsParams): Promise<TaskResult> {
  const { stage, task } = ctx.input;
  const { connection } = await ctx.db();
  const [view] = await defineInputViews(ctx, connection);
  const select = params.mode === 'batches' ? await applyBatches(connection, view!, params) : await applyRows(connection, view!, params);
  const file = outputFileName(stage.key, task, task, 0);
  const rows = await copyToParquet(connection, select, join(ctx.attemptDir, file), `${params.mode} function output`);
  return { partitions: { [task]: { reader: PARQUET_READER, files: [{ path: file, rows, range: null }] } } };
}
