import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_CODES } from '../infra/errors.ts';
import type { ExecutionOptions } from './messages.ts';

/** Partition tasks: long, heartbeating, retried on crashes, never on codes the catalogue marks non-retryable. */
export function taskActivityOptions(execution: ExecutionOptions): ActivityOptions {
  return {
    taskQueue: execution.taskQueue,
    startToCloseTimeout: execution.taskTimeoutMs,
    heartbeatTimeout: execution.heartbeatTimeoutMs,
    retry: {
      initialInterval: execution.retryInitialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: 30_000,
      maximumAttempts: execution.maxAttempts,
      nonRetryableErrorTypes: [...NON_RETRYABLE_CODES],
    },
  };
}

/** Bookkeeping steps (inspect, seal): short and cheap to repeat. */
export function controlActivityOptions(execution: ExecutionOptions): ActivityOptions {
  return {
    taskQueue: execution.taskQueue,
    startToCloseTimeout: 10 * 60_000,
    retry: {
      initialInterval: execution.retryInitialIntervalMs,
      maximumAttempts: execution.maxAttempts,
      nonRetryableErrorTypes: [...NON_RETRYABLE_CODES],
    },
  };
}
