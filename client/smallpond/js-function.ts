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
  AnonymousFunctionDeclaration,
  AnyNode,
  ArrowFunctionExpression,
  Class,
  Expression,
  FunctionDeclaration,
  FunctionExpression,
  Pattern,
  Program,
  Statement,
  VariableDeclaration,
} from 'acorn';
import { GeneralError, PipelineError } from '../../infra/errors.ts';

/** A function as a plan carries it: JSON-serialisable, resolved on the worker by resolveFunction. */
export type FunctionRef =
  | { readonly kind: 'source'; readonly source: string; readonly name: string | null }
  | { readonly kind: 'registered'; readonly name: string; readonly args: unknown };

/**
 * Globals a shipped function may use: the ECMAScript standard library and the few host globals every Node worker
 * has. `eval`, `Function`, `globalThis`, `process` and `require` are deliberately absent: through them a function can
 * reach code or state the analysis cannot see.
 */
const PORTABLE_GLOBALS: ReadonlySet<string> = new Set([
  'undefined', 'NaN', 'Infinity',
  'isFinite', 'isNaN', 'parseFloat', 'parseInt', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
  'Object', 'Array', 'Number', 'String', 'Boolean', 'BigInt', 'Symbol', 'Date', 'RegExp',
  'Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'Proxy', 'Reflect', 'Math', 'JSON', 'Intl',
  'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'console', 'structuredClone', 'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'atob', 'btoa', 'Buffer',
]);

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
  const finder = new FreeNameFinder();
  finder.visitFunction(fn, { scope: new Scope(null), hasOwnThis: false });
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

/** Names declared in one scope. Block scopes are modelled; `var` and function declarations are hoisted up front. */
class Scope {
  private readonly names = new Set<string>();

  constructor(private readonly parent: Scope | null) {}

  declare(names: Iterable<string>): void {
    for (const name of names) this.names.add(name);
  }

  resolves(name: string): boolean {
    return this.names.has(name) || (this.parent?.resolves(name) ?? false);
  }
}

interface Context {
  readonly scope: Scope;
  /** Whether `this`, `super` and `new.target` here belong to a function or class inside the shipped function. */
  readonly hasOwnThis: boolean;
}

type FunctionNode = FunctionDeclaration | AnonymousFunctionDeclaration | FunctionExpression | ArrowFunctionExpression;

/** Walks a function and records the identifiers it reads or writes without declaring them. */
class FreeNameFinder {
  readonly free = new Set<string>();
  readonly misuses = new Set<string>();

  visitFunction(fn: FunctionNode, context: Context): void {
    const scope = new Scope(context.scope);
    if (fn.type === 'FunctionExpression' && fn.id) scope.declare([fn.id.name]);
    if (fn.type !== 'ArrowFunctionExpression') scope.declare(['arguments']);
    for (const param of fn.params) scope.declare(boundNames(param));
    const inner = { scope, hasOwnThis: context.hasOwnThis };
    for (const param of fn.params) this.visitBinding(param, inner);
    if (fn.body.type === 'BlockStatement') this.visitBody(fn.body.body, inner);
    else this.visit(fn.body, inner);
  }

  /** A function body or class static block: its own `var` scope. */
  private visitBody(statements: readonly Statement[], context: Context): void {
    const hoisted = new Set<string>();
    for (const statement of statements) collectHoisted(statement, hoisted);
    context.scope.declare(hoisted);
    this.visitBlock(statements, context);
  }

  private visitBlock(statements: readonly Statement[], context: Context): void {
    context.scope.declare(statements.flatMap(lexicalNames));
    for (const statement of statements) this.visit(statement, context);
  }

  private visit(node: AnyNode, context: Context): void {
    switch (node.type) {
      case 'Identifier':
        if (!context.scope.resolves(node.name)) this.free.add(node.name);
        return;
      case 'ThisExpression':
        if (!context.hasOwnThis) this.misuses.add('it uses `this`, which has no value on the worker');
        return;
      case 'Super':
        if (!context.hasOwnThis) this.misuses.add('it uses `super` of an enclosing class');
        return;
      case 'MetaProperty':
        if (node.meta.name === 'import') this.misuses.add('it uses import.meta of the module it was written in');
        else if (!context.hasOwnThis) this.misuses.add('it uses new.target');
        return;
      case 'ImportExpression':
        this.misuses.add('it loads modules with import(); do that in a registered function');
        return;
      case 'WithStatement':
        this.misuses.add('it uses `with`, whose names cannot be checked');
        return;
      case 'LabeledStatement':
        this.visit(node.body, context);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'MemberExpression':
        this.visit(node.object, context);
        if (node.computed) this.visit(node.property, context);
        return;
      case 'Property':
        if (node.computed) this.visit(node.key, context);
        this.visit(node.value, context);
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.visitFunction(node, {
          scope: context.scope,
          hasOwnThis: node.type !== 'ArrowFunctionExpression' || context.hasOwnThis,
        });
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        this.visitClass(node, context);
        return;
      case 'VariableDeclaration':
        // The names were declared by hoisting (var) or by the enclosing block (let, const).
        for (const declarator of node.declarations) {
          this.visitBinding(declarator.id, context);
          if (declarator.init) this.visit(declarator.init, context);
        }
        return;
      case 'BlockStatement':
        this.visitBlock(node.body, { ...context, scope: new Scope(context.scope) });
        return;
      case 'SwitchStatement': {
        this.visit(node.discriminant, context);
        const inner = { ...context, scope: new Scope(context.scope) };
        inner.scope.declare(node.cases.flatMap((c) => c.consequent.flatMap(lexicalNames)));
        for (const switchCase of node.cases) {
          if (switchCase.test) this.visit(switchCase.test, inner);
          for (const statement of switchCase.consequent) this.visit(statement, inner);
        }
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const inner = { ...context, scope: new Scope(context.scope) };
        const head = node.type === 'ForStatement' ? node.init : node.left;
        if (head?.type === 'VariableDeclaration') inner.scope.declare(lexicalNames(head));
        else if (head && node.type !== 'ForStatement') this.checkWrite(head, inner);
        for (const child of [head, ...(node.type === 'ForStatement' ? [node.test, node.update] : [node.right])]) {
          if (child) this.visit(child, inner);
        }
        this.visit(node.body, inner);
        return;
      }
      case 'CatchClause': {
        const inner = { ...context, scope: new Scope(context.scope) };
        if (node.param) {
          inner.scope.declare(boundNames(node.param));
          this.visitBinding(node.param, inner);
        }
        this.visit(node.body, inner);
        return;
      }
      case 'AssignmentExpression':
        this.checkWrite(node.left, context);
        this.visit(node.left, context);
        this.visit(node.right, context);
        return;
      case 'UpdateExpression':
        this.checkWrite(node.argument, context);
        this.visit(node.argument, context);
        return;
      case 'UnaryExpression':
        if (node.operator === 'delete') this.checkWrite(node.argument, context);
        this.visit(node.argument, context);
        return;
      default:
        this.visitChildren(node, context);
    }
  }

  /** Every other node: its child nodes are plain expressions and statements, so walk them all. */
  private visitChildren(node: AnyNode, context: Context): void {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      for (const child of Array.isArray(value) ? value : [value]) {
        if (isNode(child)) this.visit(child, context);
      }
    }
  }

  /** A binding pattern: its identifiers are declarations, but defaults and computed keys are expressions. */
  private visitBinding(pattern: Pattern, context: Context): void {
    switch (pattern.type) {
      case 'Identifier':
        return;
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            this.visitBinding(property.argument, context);
          } else {
            if (property.computed) this.visit(property.key, context);
            this.visitBinding(property.value, context);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of pattern.elements) if (element) this.visitBinding(element, context);
        return;
      case 'RestElement':
        this.visitBinding(pattern.argument, context);
        return;
      case 'AssignmentPattern':
        this.visitBinding(pattern.left, context);
        this.visit(pattern.right, context);
        return;
      case 'MemberExpression':
        this.visit(pattern, context);
        return;
    }
  }

  private visitClass(node: Class, context: Context): void {
    if (node.superClass) this.visit(node.superClass, context);
    const scope = new Scope(context.scope);
    if (node.id) scope.declare([node.id.name]);
    const keys = { scope, hasOwnThis: context.hasOwnThis };
    const members = { scope, hasOwnThis: true };
    for (const element of node.body.body) {
      if (element.type === 'StaticBlock') {
        this.visitBody(element.body, { ...members, scope: new Scope(scope) });
      } else {
        if (element.computed) this.visit(element.key, keys);
        if (element.value) this.visit(element.value, members);
      }
    }
  }

  /** Writing to a standard global (`Math = 1`, `JSON.parse = f`) changes the worker for every later task. */
  private checkWrite(target: Pattern | VariableDeclaration | Expression, context: Context): void {
    for (const root of assignedRoots(target)) {
      if (!context.scope.resolves(root) && PORTABLE_GLOBALS.has(root)) {
        this.misuses.add(`it changes the global ${root}, which would leak into later tasks on the worker`);
      }
    }
  }
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** The names a binding pattern declares: `{ a, b: [c, ...d] = [] }` -> a, c, d. */
function boundNames(pattern: Pattern): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name];
    case 'ObjectPattern':
      return pattern.properties.flatMap((p) => boundNames(p.type === 'RestElement' ? p.argument : p.value));
    case 'ArrayPattern':
      return pattern.elements.flatMap((element) => (element ? boundNames(element) : []));
    case 'RestElement':
      return boundNames(pattern.argument);
    case 'AssignmentPattern':
      return boundNames(pattern.left);
    case 'MemberExpression':
      return [];
  }
}

/** The variables at the root of an assignment target: `a.b[c] = ...` -> a, `[x, { y: z.w }] = ...` -> x, z. */
function assignedRoots(target: Pattern | VariableDeclaration | Expression): string[] {
  switch (target.type) {
    case 'Identifier':
      return [target.name];
    case 'MemberExpression':
      return target.object.type === 'Super' ? [] : assignedRoots(target.object);
    case 'ObjectPattern':
      return target.properties.flatMap((p) => assignedRoots(p.type === 'RestElement' ? p.argument : p.value));
    case 'ArrayPattern':
      return target.elements.flatMap((element) => (element ? assignedRoots(element) : []));
    case 'RestElement':
      return assignedRoots(target.argument);
    case 'AssignmentPattern':
      return assignedRoots(target.left);
    default:
      return [];
  }
}

/** Block-scoped names a statement declares directly in its block. */
function lexicalNames(statement: Statement | VariableDeclaration): string[] {
  switch (statement.type) {
    case 'VariableDeclaration':
      return statement.kind === 'var' ? [] : statement.declarations.flatMap((d) => boundNames(d.id));
    case 'FunctionDeclaration':
    case 'ClassDeclaration':
      return [statement.id.name];
    default:
      return [];
  }
}

/**
 * `var` names and function declarations anywhere in a function body outside nested functions. Functions declared
 * in nested blocks count too (Annex B hoists them in sloppy code): over-declaring can only hide a capture the worker
 * would then report as a ReferenceError, never refuse ordinary code.
 */
function collectHoisted(statement: Statement, into: Set<string>): void {
  switch (statement.type) {
    case 'VariableDeclaration':
      if (statement.kind === 'var') for (const d of statement.declarations) for (const n of boundNames(d.id)) into.add(n);
      return;
    case 'FunctionDeclaration':
      into.add(statement.id.name);
      return;
    case 'BlockStatement':
      for (const s of statement.body) collectHoisted(s, into);
      return;
    case 'IfStatement':
      collectHoisted(statement.consequent, into);
      if (statement.alternate) collectHoisted(statement.alternate, into);
      return;
    case 'ForStatement':
      if (statement.init?.type === 'VariableDeclaration') collectHoisted(statement.init, into);
      collectHoisted(statement.body, into);
      return;
    case 'ForInStatement':
    case 'ForOfStatement':
      if (statement.left.type === 'VariableDeclaration') collectHoisted(statement.left, into);
      collectHoisted(statement.body, into);
      return;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
    case 'WithStatement':
      collectHoisted(statement.body, into);
      return;
    case 'TryStatement':
      collectHoisted(statement.block, into);
      if (statement.handler) collectHoisted(statement.handler.body, into);
      if (statement.finalizer) collectHoisted(statement.finalizer, into);
      return;
    case 'SwitchStatement':
      for (const c of statement.cases) for (const s of c.consequent) collectHoisted(s, into);
      return;
    default:
      return;
  }
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
