/**
 * Messages between client, pipeline and stage workflows, and the shapes activities take and return. Pure
 * definitions, importable from workflow code and from clients.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { IndexRanges } from './ranges.ts';
import type { StagePlan, StageRef, StageSpec } from './plan.ts';

export interface StageProgress {
  readonly index: number;
  readonly label: string;
  readonly total: number;
  readonly done: number;
  readonly skipped: number;
  readonly state: 'waiting' | 'running' | 'completed' | 'failed';
}

export interface JobProgress {
  readonly jobId: string;
  readonly stagesTotal: number;
  readonly stagesDone: number;
  readonly tasksTotal: number;
  readonly tasksDone: number;
  readonly stages: readonly StageProgress[];
}

export const progressQuery = defineQuery<JobProgress>('progress');
export const stageProgressQuery = defineQuery<StageProgress>('progress');
/** Sent by a stage workflow to its pipeline as tasks complete (throttled). */
export const stageProgressSignal = defineSignal<[StageProgress]>('stageProgress');

/** Knobs for how stages run; all have defaults in `DEFAULT_EXECUTION`. */
export interface ExecutionOptions {
  /** Tasks in flight per stage (sliding window); far below Temporal's 2,000 pending-activity limit. */
  readonly window: number;
  /** Completed tasks after which a stage workflow continues as new, keeping its history small. */
  readonly tasksPerRun: number;
  readonly taskTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxAttempts: number;
  readonly retryInitialIntervalMs: number;
  readonly taskQueue: string;
}

export const DEFAULT_EXECUTION: ExecutionOptions = {
  window: 64,
  tasksPerRun: 1_000,
  taskTimeoutMs: 6 * 60 * 60 * 1000,
  heartbeatTimeoutMs: 30_000,
  maxAttempts: 5,
  retryInitialIntervalMs: 1_000,
  taskQueue: 'smallpond',
};

export interface PipelineInput {
  readonly plan: StagePlan;
  readonly execution: ExecutionOptions;
}

export interface StageResult {
  readonly index: number;
  readonly key: string;
  readonly tasksRun: number;
  readonly tasksSkipped: number;
}

export interface PipelineResult {
  readonly jobId: string;
  readonly jobRoot: string;
  readonly output: StageRef;
  readonly stages: readonly StageResult[];
}

export interface StageInput {
  readonly jobId: string;
  readonly jobRoot: string;
  readonly stage: StageSpec;
  readonly inputs: readonly StageRef[];
  readonly execution: ExecutionOptions;
  /** Workflow id of the pipeline to report progress to; null when run alone. */
  readonly parentId: string | null;
  /** Carried across continue-as-new. */
  readonly carried: {
    readonly done: IndexRanges;
    readonly run: number;
    readonly skipped: number;
    readonly executed: number;
  } | null;
}

export interface TaskInput {
  readonly jobId: string;
  readonly jobRoot: string;
  readonly stage: StageSpec;
  readonly inputs: readonly StageRef[];
  readonly task: number;
}

export interface TaskOutput {
  readonly task: number;
  readonly rows: number | null;
  /** True when a committed output already existed and the task did nothing. */
  readonly skipped: boolean;
}

export interface InspectStageInput {
  readonly jobRoot: string;
  readonly stage: StageSpec;
}

export interface InspectStageOutput {
  readonly sealed: boolean;
  readonly committed: IndexRanges;
}

export interface SealStageInput {
  readonly jobRoot: string;
  readonly stage: StageSpec;
}
