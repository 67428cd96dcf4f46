import { availableParallelism, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ExecutionOptions } from '../../workflows/messages.ts';
import { DEFAULT_EXECUTION } from '../../workflows/messages.ts';
import type { Resources } from '../../workflows/plan.ts';
import { GeneralError } from '../../infra/errors.ts';
import { resolveAddress, resolveDataDir, resolveNamespace } from '../../infra/temporal/index.ts';

export interface SessionOptions {
  /** Job id; a re-run with the same id resumes (committed tasks are skipped). Default `$SP_JOBID`, else a new uuid. */
  readonly jobId?: string;
  /** Firepond data directory (dev server state, logs); default `$FIREPOND_HOME`, else `./.firepond`. */
  readonly dataDir?: string;
  /** Where jobs keep their data; must be the same path on every worker. Default `$SP_DATA_ROOT`, else `<dataDir>/smallpond`. */
  readonly dataRoot?: string;
  /** Temporal frontend. Without one (and without `$TEMPORAL_ADDRESS`) the local dev server of `dataDir` is started or reused. */
  readonly temporalAddress?: string | null;
  readonly namespace?: string;
  /** Run a worker inside this process. Default: true for the embedded dev server, false with an address. */
  readonly startWorker?: boolean;
  /** Web UI port of an embedded dev server (default 8233; null for none). */
  readonly uiPort?: number | null;
  /** DuckDB threads per task (smallpond's cpu_limit); default 1. */
  readonly threads?: number;
  /** DuckDB memory_limit per task; default: RAM × threads / cores × 0.9, as smallpond sizes tasks. */
  readonly memoryLimit?: string | null;
  /** How stages run (window, retries, timeouts, task queue). */
  readonly execution?: Partial<ExecutionOptions>;
  /** Draw a progress bar on stderr while actions wait; default: when stderr is a terminal. */
  readonly progress?: boolean;
  /** In-process worker: partition tasks at once (default: cores). */
  readonly workerConcurrency?: number;
}

export interface ResolvedSessionOptions {
  readonly jobId: string;
  readonly dataDir: string;
  readonly dataRoot: string;
  readonly jobRoot: string;
  readonly address: string | null;
  readonly namespace: string;
  readonly startWorker: boolean | null;
  readonly uiPort: number | null;
  readonly defaults: Resources;
  readonly execution: ExecutionOptions;
  readonly progress: boolean;
  readonly workerConcurrency: number | null;
}

/** smallpond's sizing: a task gets RAM × threads / cores, of which DuckDB may use 90%. */
function defaultMemoryLimit(threads: number): string {
  const perTask = (totalmem() / availableParallelism()) * threads * 0.9;
  return `${Math.max(256, Math.floor(perTask / 2 ** 20))}MB`;
}

/** Explicit options win over `SP_*` environment variables, which win over defaults (smallpond had env win; surprising). */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  const dataDir = resolveDataDir(options.dataDir ?? null);
  const jobId = options.jobId ?? process.env['SP_JOBID'] ?? randomUUID();
  if (!/^[A-Za-z0-9._-]+$/.test(jobId)) throw GeneralError.INVALID_ARGUMENT(`invalid job id "${jobId}": use letters, digits, '.', '_' and '-'`);
  const dataRoot = resolve(options.dataRoot ?? process.env['SP_DATA_ROOT'] ?? join(dataDir, 'smallpond'));
  const threads = options.threads ?? 1;
  return {
    jobId,
    dataDir,
    dataRoot,
    jobRoot: join(dataRoot, 'jobs', jobId),
    address: resolveAddress({ address: options.temporalAddress ?? null }),
    namespace: resolveNamespace({ namespace: options.namespace ?? null }),
    startWorker: options.startWorker ?? null,
    uiPort: options.uiPort === undefined ? 8233 : options.uiPort,
    defaults: { threads, memoryLimit: options.memoryLimit === undefined ? defaultMemoryLimit(threads) : options.memoryLimit },
    execution: { ...DEFAULT_EXECUTION, ...options.execution },
    progress: options.progress ?? process.stderr.isTTY === true,
    workerConcurrency: options.workerConcurrency ?? null,
  };
}
