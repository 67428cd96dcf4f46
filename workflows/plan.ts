/**
 * The compact stage plan: what the client's planner produces and the pipeline workflow runs. Its size grows with the
 * number of stages, never with the number of tasks: a stage carries its task count, and tasks are expanded
 * deterministically inside the stage workflow. Pure data, JSON-serialisable, shared by client, workflows and
 * activities.
 */
import type { FunctionRef } from '../client/smallpond/js-function.ts';

export const PLAN_VERSION = 1;

/** How a source's files are read. Derived stages always write Parquet. */
export type ReaderSpec =
  | { readonly format: 'parquet'; readonly unionByName: boolean; readonly columns: readonly string[] | null }
  | { readonly format: 'csv'; readonly schema: Readonly<Record<string, string>>; readonly delim: string; readonly header: boolean }
  | { readonly format: 'json'; readonly schema: Readonly<Record<string, string>> };

export const PARQUET_READER: ReaderSpec = { format: 'parquet', unionByName: false, columns: null };

export interface SourceParams {
  readonly kind: 'source';
  /** Paths or globs (`*`, `?`, `[..]`), absolute; directories are read whole when `recursive`. */
  readonly paths: readonly string[];
  readonly recursive: boolean;
  readonly reader: ReaderSpec;
}

export interface SqlParams {
  readonly kind: 'sql';
  /** Statements run in order; only the last one's result is written. `{0}`, `{1}` name the inputs. */
  readonly queries: readonly string[];
}

export interface HashParams {
  readonly kind: 'hash';
  readonly npartitions: number;
  /** `hash`: hash of the columns; `key`: a user expression already in [0, n); `random`: uniform random. */
  readonly method: 'hash' | 'key' | 'random';
  readonly columns: readonly string[];
  readonly keyExpr: string | null;
  readonly partitionColumn: string;
}

export interface SplitParams {
  readonly kind: 'split';
  readonly npartitions: number;
  /** Split by rows (row ranges that may cross files) instead of whole files. */
  readonly byRows: boolean;
  readonly shuffleFiles: boolean;
}

export interface UnionParams {
  readonly kind: 'union';
}

export type JsMode = 'map' | 'flatMap' | 'filter' | 'batches';

export interface JsParams {
  readonly kind: 'js';
  readonly mode: JsMode;
  readonly fn: FunctionRef;
  /** Output schema (column → DuckDB type); null infers it from the values. */
  readonly schema: Readonly<Record<string, string>> | null;
  readonly batchSize: number;
}

export type SinkType = 'link_or_copy' | 'copy' | 'link' | 'manifest';

export interface SinkParams {
  readonly kind: 'sink';
  readonly outputPath: string;
  readonly type: SinkType;
}

export type StageParams = SourceParams | SqlParams | HashParams | SplitParams | UnionParams | JsParams | SinkParams;
export type StageKind = StageParams['kind'];

/**
 * `direct`: task i writes partition i. `partitioned`: every task may write any partition, and the stage is sealed by
 * merging task manifests into one manifest per partition.
 */
export type StageLayout = 'direct' | 'partitioned';

export interface Resources {
  /** DuckDB `threads` per task. */
  readonly threads: number;
  /** DuckDB `memory_limit` per task, e.g. "1GB"; null leaves DuckDB's default. */
  readonly memoryLimit: string | null;
}

export interface StageSpec {
  /** Position in the plan; stage workflows are `smallpond/<job>/stage-<index>`. */
  readonly index: number;
  /** Content hash of the stage and everything upstream; names the stage directory, so re-runs resume. */
  readonly key: string;
  readonly label: string;
  readonly inputs: readonly number[];
  readonly tasks: number;
  readonly partitions: number;
  readonly layout: StageLayout;
  readonly resources: Resources;
  readonly params: StageParams;
}

export interface StagePlan {
  readonly version: typeof PLAN_VERSION;
  readonly jobId: string;
  /** Absolute directory holding every stage's output; must be the same path on every worker. */
  readonly jobRoot: string;
  readonly stages: readonly StageSpec[];
  /** Index of the stage whose output the job returns. */
  readonly output: number;
}

/** What a task needs to know about one of its inputs. */
export interface StageRef {
  readonly key: string;
  readonly layout: StageLayout;
  readonly partitions: number;
}

export function stageRef(stage: StageSpec): StageRef {
  return { key: stage.key, layout: stage.layout, partitions: stage.partitions };
}

/** The input partition task `task` of a stage reads from an input with `partitions` partitions (1 is broadcast). */
export function inputPartitionFor(task: number, partitions: number): number {
  return partitions === 1 ? 0 : task;
}
