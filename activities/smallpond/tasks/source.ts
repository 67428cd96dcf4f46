import { sqlString } from '../../../infra/duckdb/index.ts';
import { PipelineError } from '../../../infra/errors.ts';
import type { SourceParams } from '../../../workflows/plan.ts';
import { resolvePaths } from '../glob.ts';
import type { FileEntry } from '../manifest.ts';
import type { TaskContext, TaskResult } from '../task-context.ts';

/** Resolves the source's globs to a sorted file list; Parquet footers give row counts (and prove the files are Parquet). */
export async function runSourceTask(ctx: TaskContext, params: SourceParams): Promise<TaskResult> {
  const paths = await resolvePaths(params.paths, params.recursive);
  let files: FileEntry[];
  if (params.reader.format === 'parquet') {
    const { connection } = await ctx.db();
    const rows = new Map<string, number>();
    for (const path of paths) {
      try {
        const reader = await connection.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${sqlString(path)})`);
        rows.set(path, Number(reader.getRows()[0]?.[0] ?? 0));
      } catch (err) {
        throw PipelineError.INPUT_NOT_FOUND(path, `it is not a readable Parquet file: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    files = paths.map((path) => ({ path, rows: rows.get(path) ?? 0, range: null }));
  } else {
    files = paths.map((path) => ({ path, rows: null, range: null }));
  }
  return { partitions: { 0: { reader: params.reader, files } } };
}
