import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { FirepondError } from '../infra/errors.ts';

/** A FirepondError as the ApplicationFailure Temporal's retry policy understands: type = code, retryable per catalogue. */
export function toApplicationFailure(err: FirepondError): ApplicationFailure {
  return ApplicationFailure.create({
    message: err.message,
    type: err.code,
    nonRetryable: !err.retryable,
    details: [{ code: err.code, context: err.context }],
    cause: err.cause instanceof Error ? err.cause : undefined,
  });
}

/** Activity interceptor: every FirepondError leaves an activity as a typed ApplicationFailure. */
export class FailureInterceptor implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      if (err instanceof FirepondError) throw toApplicationFailure(err);
      throw err;
    }
  }
}
