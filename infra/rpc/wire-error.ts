/**
 * Errors across the wire: the response status is the catalogue number, the body `{ message, context }`. The client
 * rebuilds a FirepondError with the same code, so callers branch on codes on both sides of a call. Anything that
 * is not a FirepondError becomes INTERNAL with its message.
 */
import { ERROR_CATALOGUE, FirepondError, isErrorCode } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { decodeBody, encodeBody } from './codec.ts';

const CODE_BY_NUM = new Map<number, ErrorCode>(
  Object.entries(ERROR_CATALOGUE).flatMap(([code, entry]) => (isErrorCode(code) ? [[entry.num, code] as const] : [])),
);

export function encodeError(err: unknown): { status: number; body: Buffer } {
  if (err instanceof FirepondError) {
    try {
      return { status: err.num, body: encodeBody({ message: err.message, context: err.context }) };
    } catch {
      // Context that the codec cannot carry (functions, cycles) is left behind; the code and message still go.
      return { status: err.num, body: encodeBody({ message: err.message, context: null }) };
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: ERROR_CATALOGUE.INTERNAL.num, body: encodeBody({ message, context: null }) };
}

export function decodeError(status: number, body: Buffer, peer: string): FirepondError {
  let message = `remote error ${status}`;
  let context: Record<string, unknown> = {};
  try {
    const decoded = decodeBody(body) as { message?: unknown; context?: unknown } | null;
    if (typeof decoded?.message === 'string') message = decoded.message;
    if (typeof decoded?.context === 'object' && decoded.context !== null) context = decoded.context as Record<string, unknown>;
  } catch {
    // A garbled error body still reports the code from the header.
  }
  const code = CODE_BY_NUM.get(status);
  if (code === undefined) return new FirepondError('INTERNAL', `${message} (unknown error code ${status} from ${peer})`, { context: { ...context, remote: peer, status } });
  return new FirepondError(code, message, { context: { ...context, remote: peer } });
}
