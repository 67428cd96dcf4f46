import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { FirepondError, isErrorCode, PipelineError } from '../../infra/errors.ts';

/**
 * A failed job as a FirepondError: the innermost ApplicationFailure of the chain (job → stage → task) carries the
 * catalogue code as its type and the message that names the query, path or key.
 */
export function toJobError(err: unknown, workflowId: string): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  let current: unknown = err.cause;
  let innermost: ApplicationFailure | null = null;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) innermost = current;
    current = current.cause;
  }
  if (innermost === null) return PipelineError.JOB_FAILED(`job ${workflowId} failed: ${err.message}`, { cause: err });
  const type = innermost.type ?? '';
  const code = isErrorCode(type) ? type : 'PIPELINE_JOB_FAILED';
  return new FirepondError(code, innermost.message, { context: { workflowId }, cause: err });
}
