/**
 * Free-name analysis for shipped JS functions: which identifiers a function reads or writes without declaring them,
 * and which uses of `this`/`super`/globals make it unsafe to run elsewhere. Used by js-function.ts.
 */
import type {
  AnonymousFunctionDeclaration,
  AnyNode,
  ArrowFunctionExpression,
  Class,
  Expression,
  FunctionDeclaration,
  FunctionExpression,
  Pattern,
  Statement,
  VariableDeclaration,
} from 'acorn';

/**
 * Globals a shipped function may use: the ECMAScript standard library and the few host globals every Node worker
 * has. `eval`, `Function`, `globalThis`, `process` and `require` are deliberately absent: through them a function can
 * reach code or state the analysis cannot see.
 */
export const PORTABLE_GLOBALS: ReadonlySet<string> = new Set([
  'undefined', 'NaN', 'Infinity',
  'isFinite', 'isNaN', 'parseFloat', 'parseInt', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
  'Object', 'Array', 'Number', 'String', 'Boolean', 'BigInt', 'Symbol', 'Date', 'RegExp',
  'Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'Proxy', 'Reflect', 'Math', 'JSON', 'Intl',
  'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'console', 'structuredClone', 'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'atob', 'btoa', 'Buffer',
]);

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

/** The identifiers `fn` uses from outside its own body, and the misuses found, as sets of names and reasons. */
export function findFreeNames(fn: FunctionExpression | ArrowFunctionExpression): { free: Set<string>; misuses: Set<string> } {
  const finder = new FreeNameFinder();
  finder.visitFunction(fn, { scope: new Scope(null), hasOwnThis: false });
  return { free: finder.free, misuses: finder.misuses };
}
