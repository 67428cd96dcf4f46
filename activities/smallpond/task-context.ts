import type { DuckDBConnection } from '@duckdb/node-api';
import type { DuckDBSession } from '../../infra/duckdb/index.ts';
import { sqlString } from '../../infra/duckdb/index.ts';
import type { TaskInput } from '../../workflows/messages.ts';
import { inputPartitionFor } from '../../workflows/plan.ts';
import { classifyDuckDBError } from './classify-error.ts';
import type { PartitionData } from './manifest.ts';
import { readPartition } from './manifest.ts';
import { partitionSelect } from './reader-sql.ts';

export interface TaskContext {
  readonly input: TaskInput;
  /** A fresh directory for this attempt's files; renamed into place on commit. */
  readonly attemptDir: string;
  /** This task's own DuckDB, opened on first use with the stage's threads and memory limit. */
  db(): Promise<DuckDBSession>;
}

export interface TaskResult {
  readonly partitions: Record<string, PartitionData>;
}

/** Runs one statement, turning DuckDB's errors into catalogue errors that name the statement. */
export async function runSql(connection: DuckDBConnection, sql: string, shownAs: string = sql): Promise<void> {
  try {
    await connection.run(sql);
  } catch (err) {
    throw classifyDuckDBError(err, shownAs);
  }
}

/** Runs `COPY (select) TO path` and returns the number of rows written. */
export async function copyToParquet(connection: DuckDBConnection, select: string, path: string, shownAs: string): Promise<number> {
  try {
    const reader = await connection.runAndReadAll(
      `COPY (${select}) TO ${sqlString(path)} (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 122880)`,
    );
    return Number(reader.getRows()[0]?.[0] ?? 0);
  } catch (err) {
    throw classifyDuckDBError(err, shownAs);
  }
}

/** The input partitions this task reads: partition `task` of each input, or partition 0 of a 1-partition input. */
export async function taskInputs(ctx: TaskContext): Promise<PartitionData[]> {
  const { input } = ctx;
  return Promise.all(input.inputs.map((ref) => readPartition(input.jobRoot, ref, inputPartitionFor(input.task, ref.partitions))));
}

/** Creates views `__input_<k>` over this task's inputs; returns their names in input order. */
export async function defineInputViews(ctx: TaskContext, connection: DuckDBConnection): Promise<string[]> {
  const inputs = await taskInputs(ctx);
  const names: string[] = [];
  for (const [k, data] of inputs.entries()) {
    const name = `__input_${k}`;
    await runSql(connection, `CREATE VIEW ${name} AS ${partitionSelect(data)}`, `reading input ${k}: ${data.files[0]?.path ?? ''}`);
    names.push(name);
  }
  return names;
}
