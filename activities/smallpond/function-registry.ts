/**
 * The worker's side of user functions (client/smallpond/js-function.ts is the client's): functions registered by
 * name, and function source from plans compiled once per worker.
 *
 * Register what cannot travel as source (anything that closes over worker state, loads modules or keeps
 * connections) in the worker process before it starts polling. A registered function is called with whatever the
 * operator passes (a row, a batch) followed by the JSON `args` of fnRef(name, args) as its last parameter, null
 * when none were given:
 *
 *   registerFunction('scale', (row: Row, args: { factor: number }) => ({ ...row, v: row.v * args.factor }));
 *   df.map(fnRef('scale', { factor: 3 }));   // on the client
 *
 * Errors a function throws come back as PIPELINE_FUNCTION_FAILED, unless they already carry a Firepond code.
 */
import { runInThisContext } from 'node:vm';
import type { FunctionRef } from '../../client/smallpond/js-function.ts';
import { FirepondError, GeneralError, PipelineError } from '../../infra/errors.ts';

export type ResolvedFunction = (...args: unknown[]) => unknown;

const registered = new Map<string, (...args: never[]) => unknown>();

// Keyed by source text; a plan holds a handful of functions and each worker sees few plans, so it is never trimmed.
const compiledBySource = new Map<string, ResolvedFunction>();

/** Make `fn` available to plans as fnRef(name, args); registering a name again replaces the function. */
export function registerFunction(name: string, fn: (...args: never[]) => unknown): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw GeneralError.INVALID_ARGUMENT('registerFunction needs a non-empty name');
  }
  if (typeof fn !== 'function') {
    throw GeneralError.INVALID_ARGUMENT(`registerFunction('${name}') needs a function`);
  }
  registered.set(name, fn);
}

/** Forget a registered function; true when `name` was registered. */
export function unregisterFunction(name: string): boolean {
  return registered.delete(name);
}

/** The callable behind a plan's FunctionRef. Throws PIPELINE_FUNCTION_NOT_PORTABLE when it cannot be had here. */
export function resolveFunction(ref: FunctionRef): ResolvedFunction {
  switch (ref.kind) {
    case 'source':
      return compile(ref.source, ref.name);
    case 'registered': {
      const fn = registered.get(ref.name) as ResolvedFunction | undefined;
      if (fn === undefined) {
        const names = [...registered.keys()].sort();
        throw PipelineError.FUNCTION_NOT_PORTABLE(
          `no function named '${ref.name}' is registered on this worker (registered here: `
            + `${names.length === 0 ? 'none' : names.join(', ')}); call registerFunction('${ref.name}', fn) in the `
            + 'worker process before it starts',
          { context: { name: ref.name, registered: names } },
        );
      }
      const { args } = ref;
      return failingAsFunctionFailed((...callArgs: unknown[]) => fn(...callArgs, args), `registered function '${ref.name}'`);
    }
    default: {
      const unknown: never = ref;
      throw PipelineError.BAD_PLAN(`unknown function reference: ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Compile in this realm rather than a fresh vm context: rows handed in and values handed back must share this
 * realm's Array, Date and Object, or `instanceof` checks and Arrow conversion break. The client has already refused
 * anything but standard globals; like the plan's SQL, the source is trusted, so this is not a sandbox.
 *
 * esbuild (and so tsx) compiles with keepNames and rewrites named inner functions as `__name(fn, "fn")`; the
 * client allows that identifier and it is defined here, so code run through tsx still ships.
 */
function compile(source: string, name: string | null): ResolvedFunction {
  const cached = compiledBySource.get(source);
  if (cached !== undefined) return cached;

  const label = name === null ? 'anonymous function' : `function '${name}'`;
  const code = '(() => {\n"use strict";\n'
    + 'const __name = (target, value) => Object.defineProperty(target, "name", { value, configurable: true });\n'
    + `return (${source}\n);\n})()`;
  let value: unknown;
  try {
    value = runInThisContext(code, { filename: `firepond-function:${name ?? 'anonymous'}` });
  } catch (err) {
    throw PipelineError.FUNCTION_NOT_PORTABLE(
      `${label} does not compile on this worker (Node ${process.version}): ${messageOf(err)}`,
      { cause: err, context: { name } },
    );
  }
  if (typeof value !== 'function') {
    throw PipelineError.FUNCTION_NOT_PORTABLE(`${label} does not evaluate to a function but to ${typeof value}`, {
      context: { name },
    });
  }
  const resolved = failingAsFunctionFailed(value as ResolvedFunction, label);
  compiledBySource.set(source, resolved);
  return resolved;
}

/** Calls `fn`, turning what it throws or rejects with into PIPELINE_FUNCTION_FAILED. */
function failingAsFunctionFailed(fn: ResolvedFunction, label: string): ResolvedFunction {
  const fail = (err: unknown): never => {
    if (err instanceof FirepondError) throw err;
    throw PipelineError.FUNCTION_FAILED(`${label} failed: ${messageOf(err)}`, { cause: err, context: { function: label } });
  };
  return (...args: unknown[]): unknown => {
    let result: unknown;
    try {
      result = fn(...args);
    } catch (err) {
      return fail(err);
    }
    return result instanceof Promise ? result.catch(fail) : result;
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
