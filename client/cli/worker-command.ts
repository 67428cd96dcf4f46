import type { Command } from 'commander';
import { createFirepondWorker } from '../../activities/worker.ts';
import { connectWorker } from '../../infra/temporal/index.ts';
import { DEFAULT_EXECUTION } from '../../workflows/messages.ts';
import type { CommonOptions } from './target.ts';
import { commandAddress } from './target.ts';

export function registerWorkerCommand(program: Command): void {
  program.command('worker')
    .description('run a worker with every Firepond plugin until SIGINT/SIGTERM')
    .option('--data-dir <dir>', 'Firepond data directory (to find its dev server)')
    .option('--address <host:port>', 'Temporal frontend (default $TEMPORAL_ADDRESS or the data dir\'s dev server)')
    .option('--namespace <ns>', 'Temporal namespace', 'default')
    .option('--task-queue <name>', 'task queue', DEFAULT_EXECUTION.taskQueue)
    .option('--concurrency <n>', 'partition tasks at once (default: cores)')
    .action(async (opts: CommonOptions & { taskQueue: string; concurrency?: string }) => {
      const address = commandAddress(opts);
      const connection = await connectWorker(address);
      const worker = await createFirepondWorker({
        connection,
        taskQueue: opts.taskQueue,
        namespace: opts.namespace ?? 'default',
        ...(opts.concurrency === undefined ? {} : { maxConcurrentActivities: Number(opts.concurrency) }),
      });
      console.log(`worker on ${address}, task queue ${opts.taskQueue} (pid ${process.pid})`);
      await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
      await connection.close();
    });
}
