import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { ReaderSpec, StageRef } from '../../workflows/plan.ts';
import { PipelineError } from '../../infra/errors.ts';
import { MANIFEST_FILE, partitionManifestPath, taskDir } from './layout.ts';

/** One file of a partition, optionally only rows [begin, end) of it (Parquet only). */
export interface FileEntry {
  /** Absolute, or relative to the task directory holding the manifest. */
  readonly path: string;
  /** Row count of the entry (the range length for ranges); null when unknown (CSV, JSON). */
  readonly rows: number | null;
  readonly range: readonly [number, number] | null;
}

export interface PartitionData {
  readonly reader: ReaderSpec;
  readonly files: readonly FileEntry[];
}

/** What a committed task wrote, keyed by output partition index. */
export interface TaskManifest {
  readonly stageKey: string;
  readonly task: number;
  readonly partitions: Readonly<Record<string, PartitionData>>;
}

/** Writes JSON so that readers see either nothing or the whole file. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = join(dirname(path), `.${randomUUID()}.tmp`);
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

export async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw PipelineError.INPUT_NOT_FOUND(path, `${what} is missing; was its stage run in this data root?`);
    }
    throw err;
  }
  return JSON.parse(text) as T;
}

function absolutise(data: PartitionData, base: string): PartitionData {
  return { reader: data.reader, files: data.files.map((f) => (isAbsolute(f.path) ? f : { ...f, path: join(base, f.path) })) };
}

export async function readTaskManifest(jobRoot: string, stageKey: string, task: number): Promise<TaskManifest> {
  const dir = taskDir(jobRoot, stageKey, task);
  const manifest = await readJson<TaskManifest>(join(dir, MANIFEST_FILE), `the manifest of task ${task} of stage ${stageKey}`);
  const partitions: Record<string, PartitionData> = {};
  for (const [p, data] of Object.entries(manifest.partitions)) partitions[p] = absolutise(data, dir);
  return { ...manifest, partitions };
}

/** The files of partition `partition` of a finished stage, with absolute paths. */
export async function readPartition(jobRoot: string, ref: StageRef, partition: number): Promise<PartitionData> {
  if (partition < 0 || partition >= ref.partitions) {
    throw PipelineError.BAD_PLAN(`partition ${partition} does not exist in stage ${ref.key} (it has ${ref.partitions})`);
  }
  if (ref.layout === 'partitioned') {
    return readJson<PartitionData>(partitionManifestPath(jobRoot, ref.key, partition), `partition ${partition} of stage ${ref.key}`);
  }
  const manifest = await readTaskManifest(jobRoot, ref.key, partition);
  const data = manifest.partitions[String(partition)];
  if (data === undefined) throw PipelineError.BAD_PLAN(`task ${partition} of stage ${ref.key} wrote no partition ${partition}`);
  return data;
}

export function totalRows(data: PartitionData): number | null {
  let n = 0;
  for (const f of data.files) {
    if (f.rows === null) return null;
    n += f.rows;
  }
  return n;
}
