import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { configureTemporalRuntime } from '../infra/temporal/runtime.ts';
import { firepondPlugins } from './plugins.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface FirepondWorkerOptions {
  readonly connection: NativeConnection;
  readonly taskQueue: string;
  readonly namespace?: string;
  /** Partition tasks run at once on this worker; defaults to the number of cores (DuckDB tasks are CPU-bound). */
  readonly maxConcurrentActivities?: number;
  /** A prebuilt workflow bundle; defaults to `$FIREPOND_WORKFLOW_BUNDLE`, else the workflows are bundled now. */
  readonly workflowBundlePath?: string | null;
  readonly identity?: string;
}

/** A worker with every Firepond plugin and the one workflows entry. */
export async function createFirepondWorker(options: FirepondWorkerOptions): Promise<Worker> {
  configureTemporalRuntime();
  const bundlePath = options.workflowBundlePath ?? process.env['FIREPOND_WORKFLOW_BUNDLE'] ?? null;
  const workflows = bundlePath !== null && existsSync(bundlePath)
    ? { workflowBundle: { codePath: bundlePath } }
    : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    plugins: firepondPlugins(),
    ...workflows,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? Math.max(2, availableParallelism()),
    ...(options.identity === undefined ? {} : { identity: options.identity }),
    bundlerOptions: { ignoreModules: [] },
  });
}
