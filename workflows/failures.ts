import { ApplicationFailure, TemporalFailure } from '@temporalio/workflow';

/**
 * The innermost ApplicationFailure of a failure chain (activity → child workflow → …): its message and its type,
 * which is an error-catalogue code when the failure came from our code.
 */
export function describeFailure(err: unknown): { message: string; type: string } {
  let current: unknown = err;
  let best: ApplicationFailure | null = null;
  while (current instanceof TemporalFailure || current instanceof Error) {
    if (current instanceof ApplicationFailure) best = current;
    current = (current as Error).cause;
  }
  if (best !== null) return { message: best.message, type: best.type ?? 'PIPELINE_JOB_FAILED' };
  const message = err instanceof Error ? err.message : String(err);
  return { message, type: 'PIPELINE_TASK_CRASHED' };
}
