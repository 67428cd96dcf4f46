import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Table } from 'apache-arrow';
import { GeneralError } from '../../infra/errors.ts';
import type { FunctionRef } from './js-function.ts';
import { toFunctionRef } from './js-function.ts';
import type { Node, NodeOptions } from './nodes.ts';
import { DataSinkNode, EvenlyDistributedPartitionNode, HashPartitionNode, JsFunctionNode, LimitNode, SqlEngineNode } from './nodes.ts';
import type { JobOutput } from './results.ts';
import type { Session } from './session.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- user functions take rows of any shape
type UserFunction = (...args: any[]) => unknown;
type Row = Record<string, unknown>;

export interface RepartitionOptions extends NodeOptions {
  /** Hash these columns (smallpond's hash_by). */
  readonly hashBy?: string | readonly string[];
  /** A column or expression whose value is already the partition index in [0, n). */
  readonly by?: string;
  /** Split evenly by rows rather than by files. */
  readonly byRows?: boolean;
}

/**
 * A lazy DataFrame: each method returns a new DataFrame over a bigger plan; the actions (`compute`, `count`, `take`,
 * `takeAll`, `toArrow`, `writeParquet`) run the plan as a Temporal job.
 *
 * Values come back as plain JS: integers that fit a JS safe integer (|n| ≤ 2^53 − 1) are `number`, larger ones
 * `bigint`; DECIMAL and floating point are `number`; DATE/TIMESTAMP are `Date`; BLOB is `Uint8Array`.
 */
export class DataFrame {
  constructor(readonly session: Session, readonly node: Node, private readonly salt: string | null = null) {}

  private derive(node: Node): DataFrame {
    return new DataFrame(this.session, node);
  }

  private sql(query: string, options: NodeOptions = {}): DataFrame {
    return this.derive(new SqlEngineNode(this.session.ctx, [this.node], query, options));
  }

  get numPartitions(): number {
    return this.node.numPartitions;
  }

  /** Repartition into `n`: by hash of columns, by a key already in [0, n), or evenly by files (or rows). */
  repartition(n: number, options: RepartitionOptions = {}): DataFrame {
    const { hashBy, by, byRows, ...nodeOptions } = options;
    if (hashBy !== undefined && by !== undefined) throw GeneralError.INVALID_ARGUMENT('repartition: give hashBy or by, not both');
    const ctx = this.session.ctx;
    if (hashBy !== undefined) {
      const columns = typeof hashBy === 'string' ? [hashBy] : [...hashBy];
      return this.derive(new HashPartitionNode(ctx, this.node, n, columns, nodeOptions));
    }
    if (by !== undefined) return this.derive(new HashPartitionNode(ctx, this.node, n, [], { ...nodeOptions, keyExpr: by }));
    return this.derive(new EvenlyDistributedPartitionNode(ctx, this.node, n, { ...nodeOptions, partitionByRows: byRows === true }));
  }

  /** `map("a + b AS c")` runs `SELECT a + b AS c FROM {0}`; `map(row => ({...}))` runs a JS function per row. */
  map(sqlOrFn: string | UserFunction | FunctionRef, options: { schema?: Readonly<Record<string, string>> } & NodeOptions = {}): DataFrame {
    if (typeof sqlOrFn === 'string') return this.sql(`SELECT ${sqlOrFn} FROM {0}`, options);
    return this.js('map', sqlOrFn, options);
  }

  /** SQL form as `map` (use `unnest`); a JS function returns an array of rows per input row. */
  flatMap(sqlOrFn: string | UserFunction | FunctionRef, options: { schema?: Readonly<Record<string, string>> } & NodeOptions = {}): DataFrame {
    if (typeof sqlOrFn === 'string') return this.sql(`SELECT ${sqlOrFn} FROM {0}`, options);
    return this.js('flatMap', sqlOrFn, options);
  }

  /** `filter("a > 1")` keeps rows where the SQL condition holds; a JS function returns truthy to keep a row. */
  filter(sqlOrFn: string | UserFunction | FunctionRef, options: NodeOptions = {}): DataFrame {
    if (typeof sqlOrFn === 'string') return this.sql(`SELECT * FROM {0} WHERE (${sqlOrFn})`, options);
    return this.js('filter', sqlOrFn, options);
  }

  /** `fn(table) → table` over apache-arrow batches of exactly `batchSize` rows (the last may be shorter), per partition. */
  mapBatches(fn: ((batch: Table) => Table) | FunctionRef, options: { batchSize?: number } & NodeOptions = {}): DataFrame {
    const batchSize = options.batchSize ?? 122_880;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw GeneralError.INVALID_ARGUMENT(`batchSize must be a positive integer, got ${batchSize}`);
    return this.js('batches', fn as UserFunction | FunctionRef, options);
  }

  private js(mode: 'map' | 'flatMap' | 'filter' | 'batches', fn: UserFunction | FunctionRef, options: { schema?: Readonly<Record<string, string>>; batchSize?: number } & NodeOptions): DataFrame {
    const ref = toFunctionRef(fn as never, mode === 'batches' ? 'mapBatches' : mode);
    return this.derive(new JsFunctionNode(this.session.ctx, this.node, mode, ref, options));
  }

  /** Sorts within each partition (there is no global sort). */
  partialSort(by: string | readonly string[], options: NodeOptions = {}): DataFrame {
    const cols = typeof by === 'string' ? by : by.join(', ');
    return this.sql(`SELECT * FROM {0} ORDER BY ${cols}`, options);
  }

  /** Moves rows to random partitions, then shuffles rows within each partition. */
  randomShuffle(options: NodeOptions = {}): DataFrame {
    const shuffled = new HashPartitionNode(this.session.ctx, this.node, this.numPartitions, [], { ...options, randomShuffle: true });
    return this.derive(new SqlEngineNode(this.session.ctx, [shuffled], 'SELECT * FROM {0} ORDER BY random()', options));
  }

  /** At most `n` rows in total (a global limit, in one partition). */
  limit(n: number): DataFrame {
    return this.derive(new LimitNode(this.session.ctx, this.node, n));
  }

  /** A copy whose last step runs again at the next action even if its output exists (upstream steps are reused). */
  recompute(): DataFrame {
    return new DataFrame(this.session, this.node, randomUUID());
  }

  /** Runs the plan; the output stays on the shared file system for later actions. */
  async compute(): Promise<JobOutput> {
    return this.session.execute(this.node, { salt: this.salt });
  }

  /** True when this DataFrame's output already exists under the job root. */
  async isComputed(): Promise<boolean> {
    const { planStages } = await import('./planner.ts');
    const { inspectStage } = await import('../../activities/smallpond/inspect-stage.ts');
    const o = this.session.options;
    const plan = planStages(this.node, { jobId: o.jobId, jobRoot: o.jobRoot, defaults: o.defaults, rootSalt: this.salt });
    const stage = plan.stages[plan.output]!;
    const state = await inspectStage({ jobRoot: o.jobRoot, stage });
    return state.sealed || state.committed.reduce((n, [b, e]) => n + (e - b), 0) === stage.tasks;
  }

  /** Writes the data as Parquet files into the directory `path` (created if needed), plus `.MANIFEST.txt`. */
  async writeParquet(path: string): Promise<void> {
    const sink = new DataSinkNode(this.session.ctx, [this.node], resolve(path), 'link_or_copy');
    await this.session.execute(sink, { salt: this.salt ?? randomUUID(), outputDescription: `\`${resolve(path)}\`` });
  }

  /** Number of rows, from Parquet footers where possible. */
  async count(): Promise<number> {
    return (await this.compute()).count();
  }

  /** The first `n` rows (in partition order). */
  async take(n: number): Promise<Row[]> {
    const out = await this.session.execute(new LimitNode(this.session.ctx, this.node, n), { salt: this.salt });
    return out.rows();
  }

  /** Every row, in partition order. */
  async takeAll(): Promise<Row[]> {
    return (await this.compute()).rows();
  }

  /** Every row as row objects (same as `takeAll`). */
  async toRows(): Promise<Row[]> {
    return this.takeAll();
  }

  /** Every row as one apache-arrow Table, in partition order. */
  async toArrow(): Promise<Table> {
    return (await this.compute()).arrow();
  }
}
