import { join } from 'node:path';
import { PipelineError } from '../../../infra/errors.ts';
import type { SplitParams } from '../../../workflows/plan.ts';
import { PARQUET_READER } from '../../../workflows/plan.ts';
import type { FileEntry, PartitionData } from '../manifest.ts';
import { readPartition } from '../manifest.ts';
import { partitionSelect } from '../reader-sql.ts';
import type { TaskContext, TaskResult } from '../task-context.ts';
import { copyToParquet } from '../task-context.ts';
import { taskSeed } from './sql.ts';

/** Contiguous chunk sizes for `count` items in `n` parts: the first `count % n` parts get one more. */
export function chunkSizes(count: number, n: number): number[] {
  const base = Math.floor(count / n);
  const extra = count % n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Splits files into `n` partitions of whole files, contiguously. */
export function splitByFiles(files: readonly FileEntry[], n: number): FileEntry[][] {
  const out: FileEntry[][] = [];
  let at = 0;
  for (const size of chunkSizes(files.length, n)) {
    out.push(files.slice(at, at + size));
    at += size;
  }
  return out;
}

/** Splits rows into `n` partitions of ceil(total / n) rows, as row ranges that may cross file boundaries. */
export function splitByRows(files: readonly FileEntry[], n: number): FileEntry[][] {
  const total = files.reduce((sum, f) => sum + (f.rows ?? 0), 0);
  const per = Math.ceil(total / n);
  const out: FileEntry[][] = Array.from({ length: n }, () => []);
  let offset = 0;
  for (const f of files) {
    const rows = f.rows ?? 0;
    const base = f.range?.[0] ?? 0;
    let at = 0;
    while (at < rows) {
      const p = Math.min(n - 1, Math.floor((offset + at) / per));
      const take = Math.min(rows - at, (p + 1) * per - (offset + at));
      const whole = at === 0 && take === rows && f.range === null;
      out[p]!.push(whole ? f : { path: f.path, rows: take, range: [base + at, base + at + take] });
      at += take;
    }
    offset += rows;
  }
  return out;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = Math.floor(seed * 2 ** 32) || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Evenly distributes an input's files (or rows) over `n` partitions. Moves no data. */
export async function runSplitTask(ctx: TaskContext, params: SplitParams): Promise<TaskResult> {
  const { jobRoot, stage } = ctx.input;
  const ref = ctx.input.inputs[0]!;
  const datas: PartitionData[] = [];
  for (let p = 0; p < ref.partitions; p++) datas.push(await readPartition(jobRoot, ref, p));
  const reader = datas[0]!.reader;
  let files = datas.flatMap((d) => d.files);
  if (params.shuffleFiles) files = shuffled(files, taskSeed(stage.key, 0));
  let parts: FileEntry[][];
  if (params.byRows) {
    if (reader.format !== 'parquet' || files.some((f) => f.rows === null)) {
      throw PipelineError.BAD_PLAN('repartition by rows needs Parquet input with known row counts; map the data first');
    }
    parts = splitByRows(files, params.npartitions);
  } else {
    parts = splitByFiles(files, params.npartitions);
  }
  const partitions: Record<string, PartitionData> = {};
  let empty: PartitionData | null = null;
  for (const [p, part] of parts.entries()) {
    if (part.length > 0) {
      partitions[p] = { reader, files: part };
      continue;
    }
    if (empty === null) {
      const name = `${stage.key.slice(0, 12)}.empty.parquet`;
      const { connection } = await ctx.db();
      const source = partitionSelect({ reader, files: files.slice(0, 1) });
      await copyToParquet(connection, `SELECT * FROM (${source}) LIMIT 0`, join(ctx.attemptDir, name), 'writing a schema-only file');
      empty = { reader: PARQUET_READER, files: [{ path: name, rows: 0, range: null }] };
    }
    partitions[p] = empty;
  }
  return { partitions };
}
