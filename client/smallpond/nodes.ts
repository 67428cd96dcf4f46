/**
 * The low-level logical plan: nodes form a DAG; the planner turns it into a stage plan. Nodes are immutable once
 * built, so DataFrames can share them. Names follow smallpond (`SqlEngineNode`, `HashPartitionNode`, …).
 */
import { GeneralError, PipelineError } from '../../infra/errors.ts';
import type { JsMode, ReaderSpec, SinkType } from '../../workflows/plan.ts';
import type { FunctionRef } from './js-function.ts';

export interface NodeOptions {
  /** DuckDB threads per task (smallpond's cpu_limit). */
  readonly cpuLimit?: number;
  /** DuckDB memory_limit per task, e.g. "2GB". */
  readonly memoryLimit?: string | null;
}

/** Counts nodes so each has a stable id within its context (used in labels and explain output). */
export class PlanContext {
  #next = 0;
  nextId(): number {
    return ++this.#next;
  }
}

export abstract class Node {
  readonly id: number;
  readonly inputs: readonly Node[];
  readonly options: NodeOptions;

  constructor(ctx: PlanContext, inputs: readonly Node[], options: NodeOptions = {}) {
    this.id = ctx.nextId();
    this.inputs = inputs;
    this.options = options;
  }

  abstract get numPartitions(): number;
  abstract get kindName(): string;

  toString(): string {
    return `${this.kindName}-${String(this.id).padStart(6, '0')}`;
  }
}

/** A set of input files: paths or globs plus how to read them. */
export interface DataSet {
  readonly paths: readonly string[];
  readonly recursive: boolean;
  readonly reader: ReaderSpec;
}

export class DataSourceNode extends Node {
  constructor(ctx: PlanContext, readonly dataset: DataSet) {
    super(ctx, []);
    if (dataset.paths.length === 0) throw GeneralError.INVALID_ARGUMENT('a data source needs at least one path');
  }
  get numPartitions(): number {
    return 1;
  }
  get kindName(): string {
    return 'DataSource';
  }
}

/** Checks that every input has the driving input's partition count or exactly 1 (broadcast), as smallpond requires. */
function broadcastPartitions(inputs: readonly Node[], what: string): number {
  if (inputs.length === 0) return 1;
  const n = Math.max(...inputs.map((i) => i.numPartitions));
  for (const input of inputs) {
    if (input.numPartitions !== n && input.numPartitions !== 1) {
      throw PipelineError.BAD_PLAN(
        `${what}: inputs have incompatible partition counts (${inputs.map((i) => i.numPartitions).join(', ')}); ` +
          'each input needs the same number of partitions or exactly 1 (broadcast)',
      );
    }
  }
  return n;
}

export class SqlEngineNode extends Node {
  readonly queries: readonly string[];
  readonly #partitions: number;
  constructor(ctx: PlanContext, inputs: readonly Node[], sql: string | readonly string[], options: NodeOptions = {}) {
    super(ctx, inputs, options);
    this.queries = typeof sql === 'string' ? [sql] : [...sql];
    if (this.queries.length === 0 || this.queries.some((q) => q.trim() === '')) {
      throw GeneralError.INVALID_ARGUMENT('SqlEngineNode needs at least one non-empty query');
    }
    this.#partitions = broadcastPartitions(inputs, `SQL "${this.queries.at(-1)}"`);
  }
  get numPartitions(): number {
    return this.#partitions;
  }
  get kindName(): string {
    return 'SqlEngine';
  }
}

export interface HashPartitionOptions extends NodeOptions {
  readonly randomShuffle?: boolean;
  /** Name of the partition column written into the data (kept, as smallpond does). */
  readonly dataPartitionColumn?: string;
  /** Use this expression's value (already in [0, n)) as the partition, instead of hashing. */
  readonly keyExpr?: string | null;
}

export class HashPartitionNode extends Node {
  constructor(
    ctx: PlanContext,
    input: Node,
    readonly npartitions: number,
    readonly hashColumns: readonly string[],
    readonly partitionOptions: HashPartitionOptions = {},
  ) {
    super(ctx, [input], partitionOptions);
    if (!Number.isInteger(npartitions) || npartitions < 1) {
      throw GeneralError.INVALID_ARGUMENT(`npartitions must be a positive integer, got ${npartitions}`);
    }
    const hashing = partitionOptions.randomShuffle !== true && (partitionOptions.keyExpr ?? null) === null;
    if (hashing && hashColumns.length === 0) throw GeneralError.INVALID_ARGUMENT('hash partitioning needs at least one column');
  }
  get numPartitions(): number {
    return this.npartitions;
  }
  get kindName(): string {
    return 'HashPartition';
  }
}

export interface EvenlyDistributedOptions extends NodeOptions {
  readonly partitionByRows?: boolean;
  readonly randomShuffle?: boolean;
}

export class EvenlyDistributedPartitionNode extends Node {
  constructor(ctx: PlanContext, input: Node, readonly npartitions: number, readonly splitOptions: EvenlyDistributedOptions = {}) {
    super(ctx, [input], splitOptions);
    if (!Number.isInteger(npartitions) || npartitions < 1) {
      throw GeneralError.INVALID_ARGUMENT(`npartitions must be a positive integer, got ${npartitions}`);
    }
  }
  get numPartitions(): number {
    return this.npartitions;
  }
  get kindName(): string {
    return 'EvenlyDistributedPartition';
  }
}

/** smallpond's `DataSetPartitionNode` is a function too: an even split by files (or rows). */
export function DataSetPartitionNode(ctx: PlanContext, input: Node, npartitions: number, options: EvenlyDistributedOptions = {}): Node {
  return new EvenlyDistributedPartitionNode(ctx, input, npartitions, options);
}

export class ProjectionNode extends Node {
  constructor(ctx: PlanContext, input: Node, readonly columns: readonly string[] = ['*'], options: NodeOptions = {}) {
    super(ctx, [input], options);
    if (columns.length === 0) throw GeneralError.INVALID_ARGUMENT('ProjectionNode needs at least one column');
  }
  get numPartitions(): number {
    return this.inputs[0]!.numPartitions;
  }
  get kindName(): string {
    return 'Projection';
  }
}

/** A global limit: at most `limit` rows in total, in one partition. */
export class LimitNode extends Node {
  constructor(ctx: PlanContext, input: Node, readonly limit: number, options: NodeOptions = {}) {
    super(ctx, [input], options);
    if (!Number.isInteger(limit) || limit < 0) throw GeneralError.INVALID_ARGUMENT(`limit must be a non-negative integer, got ${limit}`);
  }
  get numPartitions(): number {
    return 1;
  }
  get kindName(): string {
    return 'Limit';
  }
}

export class UnionNode extends Node {
  constructor(ctx: PlanContext, inputs: readonly Node[]) {
    super(ctx, inputs);
    if (inputs.length === 0) throw GeneralError.INVALID_ARGUMENT('UnionNode needs at least one input');
  }
  get numPartitions(): number {
    return this.inputs.reduce((n, i) => n + i.numPartitions, 0);
  }
  get kindName(): string {
    return 'Union';
  }
}

export class DataSinkNode extends Node {
  constructor(ctx: PlanContext, inputs: readonly Node[], readonly outputPath: string, readonly type: SinkType = 'link_or_copy') {
    super(ctx, inputs.length === 1 ? inputs : [new UnionNode(ctx, inputs)]);
  }
  get numPartitions(): number {
    return 1;
  }
  get kindName(): string {
    return 'DataSink';
  }
}

export interface JsFunctionOptions extends NodeOptions {
  readonly schema?: Readonly<Record<string, string>> | null;
  readonly batchSize?: number;
}

/** map / flatMap / filter / mapBatches with a JavaScript function, per partition. */
export class JsFunctionNode extends Node {
  constructor(
    ctx: PlanContext,
    input: Node,
    readonly mode: JsMode,
    readonly fn: FunctionRef,
    readonly jsOptions: JsFunctionOptions = {},
  ) {
    super(ctx, [input], jsOptions);
  }
  get numPartitions(): number {
    return this.inputs[0]!.numPartitions;
  }
  get kindName(): string {
    return `Js${this.mode[0]!.toUpperCase()}${this.mode.slice(1)}`;
  }
}

/** A logical plan: its root and the context its nodes were made in. */
export class LogicalPlan {
  constructor(readonly ctx: PlanContext, readonly root: Node) {}

  /** Every node reachable from the root, inputs before the nodes that read them. */
  get nodes(): Node[] {
    const seen = new Set<Node>();
    const out: Node[] = [];
    const visit = (n: Node): void => {
      if (seen.has(n)) return;
      seen.add(n);
      n.inputs.forEach(visit);
      out.push(n);
    };
    visit(this.root);
    return out;
  }

  explain(): string {
    const lines: string[] = [];
    const visit = (n: Node, depth: number): void => {
      lines.push(`${'  '.repeat(depth)}${n.toString()} [${n.numPartitions} partition${n.numPartitions === 1 ? '' : 's'}]`);
      n.inputs.forEach((i) => visit(i, depth + 1));
    };
    visit(this.root, 0);
    return lines.join('\n');
  }
}
