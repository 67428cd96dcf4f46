/**
 * Turning the plain JS functions given to df.map/filter/flatMap/mapBatches into something a plan can carry.
 *
 * Plans run on Temporal workers in other processes, so a function travels as its source text and is compiled again
 * there (activities/smallpond/function-registry.ts). Only a self-contained function survives that trip: one that uses
 * its parameters, its own locals and standard globals. We check this when the plan is built, with a scope analysis of
 * the source, so a closure fails at the call site naming what it captured, instead of as a ReferenceError on some
 * worker halfway through a job. Anything else belongs in a function registered on the workers by name, referenced
 * with fnRef(name, args).
 *
 * This is a portability check, not a sandbox: the worker trusts plans the way it trusts their SQL.
 */
import { parse } from 'acorn';
import type {
  ArrowFunctionExpression,
  FunctionExpression,
  Program,
} from 'acorn';
import { GeneralError, PipelineError } from '../../infra/errors.ts';
import { findFreeNames, PORTABLE_GLOBALS } from './free-names.ts';

/** A function as a plan carries it: JSON-serialisable, resolved on the worker by resolveFunction. */
export type FunctionRef =
  | { readonly kind: 'source'; readonly source: string; readonly name: string | null }
  | { readonly kind: 'registered'; readonly name: string; readonly args: unknown };


/**
 * esbuild, and so tsx, compiles with keepNames: `const f = () => 1` inside a function becomes
 * `const f = __name(() => 1, "f")`. The worker defines `__name` when it compiles a shipped function, so code run
 * through tsx still ships.
 */
const BUNDLER_HELPERS: ReadonlySet<string> = new Set(['__name']);

const NATIVE_CODE = /\{\s*\[native code\]\s*\}\s*$/;

/** Reference a function registered on the workers with registerFunction(name, fn); it receives `args` last. */
export function fnRef(name: string, args: unknown = null): FunctionRef {
  if (typeof name !== 'string' || name.length === 0) {
    throw GeneralError.INVALID_ARGUMENT('fnRef needs the non-empty name the function is registered under');
  }
  const problem = describeNonJson(args, 'args', new Set());
  if (problem !== null) {
    throw PipelineError.FUNCTION_NOT_PORTABLE(
      `the args of fnRef('${name}') must be plain JSON, because the plan carries them to the workers: ${problem}`,
      { context: { name } },
    );
  }
  return { kind: 'registered', name, args };
}

/**
 * Capture `fn` for the plan operation `purpose` ("map", "filter", ...). A FunctionRef is returned as is once its
 * source (if any) passes the same check. Throws PIPELINE_FUNCTION_NOT_PORTABLE naming what makes `fn` unfit to ship.
 */
export function toFunctionRef(fn: ((...args: never[]) => unknown) | FunctionRef, purpose: string): FunctionRef {
  if (typeof fn !== 'function') {
    if (fn.kind === 'source') checkPortable(fn.source, { purpose, name: fn.name });
    return fn;
  }
  const name = fn.name === '' ? null : fn.name;
  const describe = { purpose, name };
  const text = Function.prototype.toString.call(fn);
  if (NATIVE_CODE.test(text)) {
    const what = name?.startsWith('bound ') === true
      ? 'it is a bound function, whose source JS does not expose; pass a plain function and take the bound values as parameters'
      : 'it is native code (a built-in or host function), which has no source to ship; wrap it in a function such as (x) => Math.abs(x)';
    throw refusal(describe, what);
  }
  const source = toExpressionSource(text, describe);
  checkPortable(source, describe);
  return { kind: 'source', source, name };
}

interface Described {
  readonly purpose: string;
  readonly name: string | null;
}

function refusal(described: Described, reason: string, context: Record<string, unknown> = {}): Error {
  const which = described.name === null ? 'the function' : `function '${described.name}'`;
  return PipelineError.FUNCTION_NOT_PORTABLE(
    `cannot ship ${which} given to ${described.purpose}: ${reason}`,
    { context: { purpose: described.purpose, name: described.name, ...context } },
  );
}

function parseModule(source: string): Program | null {
  try {
    // Module code is strict, as the worker compiles it, and knows import.meta.
    return parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
  } catch {
    return null;
  }
}

/**
 * Turn what Function.prototype.toString gives into an expression that evaluates to the function.
 *
 *   x => x + 1                  ->  (x => x + 1)
 *   function f(x) { ... }       ->  (function f(x) { ... })
 *   async scale(x) { ... }      ->  (async function (x) { ... })   method shorthand; its key is dropped, name kept
 */
function toExpressionSource(text: string, described: Described): string {
  const wrapped = `(${text})`;
  if (parseModule(wrapped) !== null) return wrapped;

  const asObject = `({${text}})`;
  const statement = parseModule(asObject)?.body[0];
  if (statement?.type === 'ExpressionStatement' && statement.expression.type === 'ObjectExpression') {
    const [property] = statement.expression.properties;
    if (property?.type === 'Property' && property.value.type === 'FunctionExpression'
      && property.start === 2 && property.end === 2 + text.length) {
      const fn = property.value;
      // A method's function node starts at its parameter list.
      const source = `(${fn.async ? 'async ' : ''}function${fn.generator ? '*' : ''} ${asObject.slice(fn.start, fn.end)})`;
      // The one thing a method may say that a function may not.
      if (parseModule(source) === null) throw refusal(described, 'it is a method that uses `super` of its object');
      return source;
    }
  }
  throw refusal(described, `its source could not be parsed as a function: ${text.slice(0, 200)}`);
}

/** The function node of a source that is a single function expression, or a refusal. */
function functionNodeOf(source: string, described: Described): FunctionExpression | ArrowFunctionExpression {
  const program = parseModule(source);
  const statement = program?.body.length === 1 ? program.body[0] : undefined;
  const expression = statement?.type === 'ExpressionStatement' ? statement.expression : undefined;
  if (expression?.type === 'ClassExpression') {
    throw refusal(described, 'it is a class; pass a function that builds what you need instead');
  }
  if (expression?.type !== 'FunctionExpression' && expression?.type !== 'ArrowFunctionExpression') {
    throw refusal(described, 'its source is not a single function expression');
  }
  return expression;
}

function checkPortable(source: string, described: Described): void {
  const fn = functionNodeOf(source, described);
  if (fn.generator) {
    throw refusal(described, 'generator functions are not supported; return an array instead');
  }
  const finder = findFreeNames(fn);
  const captured = [...finder.free].filter((name) => !PORTABLE_GLOBALS.has(name) && !BUNDLER_HELPERS.has(name));
  if (captured.length === 0 && finder.misuses.size === 0) return;

  const reasons: string[] = [];
  if (captured.length > 0) reasons.push(`it uses ${captured.map((name) => `\`${name}\``).join(', ')} from outside its own body`);
  reasons.push(...finder.misuses);
  throw refusal(
    described,
    `${reasons.join('; ')}. It runs on workers in other processes where only its source text arrives, so it may use `
      + 'nothing but its parameters, its own locals and standard globals (Math, JSON, Number, String, Date, ...). '
      + 'Pass values through SQL instead (as columns or literals in the query), or register the function on the '
      + 'workers with registerFunction(name, fn) and reference it with fnRef(name, args).',
    { captured, misuses: [...finder.misuses] },
  );
}

/** Why `value` would not survive JSON.stringify/parse unchanged, or null when it would. */
function describeNonJson(value: unknown, path: string, ancestors: Set<object>): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} is ${value}`;
  if (value === undefined) return `${path} is undefined`;
  if (typeof value !== 'object') return `${path} is a ${typeof value}`;
  if (ancestors.has(value)) return `${path} refers back to one of its parents`;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
    const kind = (value.constructor as { name?: unknown } | undefined)?.name;
    return `${path} is ${typeof kind === 'string' ? `a ${kind}` : 'an object'} rather than a plain object`;
  }
  ancestors.add(value);
  try {
    const entries = Array.isArray(value)
      ? value.map((item: unknown, i) => [`${path}[${i}]`, item] as const)
      : Object.entries(value).map(([key, item]) => [`${path}.${key}`, item] as const);
    for (const [itemPath, item] of entries) {
      const problem = describeNonJson(item, itemPath, ancestors);
      if (problem !== null) return problem;
    }
    return null;
  } finally {
    ancestors.delete(value);
  }
}
