import { createHash } from 'node:crypto';
import { appendFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { join, resolve } from 'node:path';
import type { Table } from 'apache-arrow';
import { tableToIPC } from 'apache-arrow';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ClientHandle } from '../../infra/temporal/index.ts';
import { connectClient, connectWorker, ensureSearchAttributes, startDevServer } from '../../infra/temporal/index.ts';
import { createTableFromArrow, createTableFromRows, openDuckDB, sqlString } from '../../infra/duckdb/index.ts';
import { GeneralError } from '../../infra/errors.ts';
import { createFirepondWorker } from '../../activities/worker.ts';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.ts';
import type { PipelineResult } from '../../workflows/messages.ts';
import { DataFrame } from './dataframe.ts';
import type { Node, NodeOptions } from './nodes.ts';
import { DataSourceNode, PlanContext, SqlEngineNode } from './nodes.ts';
import { planStages } from './planner.ts';
import { JobOutput } from './results.ts';
import { runPipeline } from './run-pipeline.ts';
import type { ResolvedSessionOptions, SessionOptions } from './session-options.ts';
import { resolveSessionOptions } from './session-options.ts';

function toPaths(paths: string | readonly string[]): string[] {
  return (typeof paths === 'string' ? [paths] : [...paths]).map((p) => resolve(p));
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/**
 * A smallpond session: builds DataFrames and runs their plans as Temporal workflows. Create it with `init()`;
 * `shutdown()` records the outcome in `<jobRoot>/log/.STATUS` and, on success, removes intermediate data.
 */
export class Session {
  readonly ctx = new PlanContext();
  #actions = 0;
  #failed = false;
  #closed = false;

  private constructor(
    readonly options: ResolvedSessionOptions,
    readonly temporal: ClientHandle,
    readonly uiUrl: string | null,
    private readonly worker: { worker: Worker; connection: NativeConnection; running: Promise<void> } | null,
  ) {}

  static async create(opts: SessionOptions = {}): Promise<Session> {
    const options = resolveSessionOptions(opts);
    let address = options.address;
    let uiUrl: string | null = null;
    if (address === null) {
      const server = await startDevServer({ dataDir: options.dataDir, uiPort: options.uiPort, searchAttributes: SEARCH_ATTRIBUTES });
      address = server.address;
      uiUrl = server.uiUrl;
    }
    const temporal = await connectClient(address, options.namespace);
    if (options.address !== null) {
      await ensureSearchAttributes(temporal.connection, options.namespace, SEARCH_ATTRIBUTES).catch(async (err: unknown) => {
        await temporal.close();
        throw err;
      });
    }
    let worker: Session['worker'] = null;
    try {
      if (options.startWorker ?? options.address === null) {
        const connection = await connectWorker(address);
        const w = await createFirepondWorker({
          connection, taskQueue: options.execution.taskQueue, namespace: options.namespace,
          ...(options.workerConcurrency === null ? {} : { maxConcurrentActivities: options.workerConcurrency }),
        });
        worker = { worker: w, connection, running: w.run() };
      }
      await mkdir(join(options.jobRoot, 'log'), { recursive: true });
    } catch (err) {
      await temporal.close();
      throw err;
    }
    return new Session(options, temporal, uiUrl, worker);
  }

  get jobId(): string {
    return this.options.jobId;
  }

  get jobRoot(): string {
    return this.options.jobRoot;
  }

  /** The Web UI page listing this session's jobs, when the UI is known. */
  get jobsUrl(): string | null {
    if (this.uiUrl === null) return null;
    const query = encodeURIComponent(`SmallpondJobId="${this.jobId}"`);
    return `${this.uiUrl}/namespaces/${this.options.namespace}/workflows?query=${query}`;
  }

  readParquet(paths: string | readonly string[], opts: { columns?: readonly string[] | null; unionByName?: boolean; recursive?: boolean } = {}): DataFrame {
    const reader = { format: 'parquet' as const, unionByName: opts.unionByName ?? false, columns: opts.columns ?? null };
    return new DataFrame(this, new DataSourceNode(this.ctx, { paths: toPaths(paths), recursive: opts.recursive ?? false, reader }));
  }

  /** CSV with an explicit, ordered schema (column → DuckDB type); no header unless `header: true`. */
  readCsv(paths: string | readonly string[], schema: Readonly<Record<string, string>>, opts: { delim?: string; header?: boolean; recursive?: boolean } = {}): DataFrame {
    const reader = { format: 'csv' as const, schema, delim: opts.delim ?? ',', header: opts.header ?? false };
    return new DataFrame(this, new DataSourceNode(this.ctx, { paths: toPaths(paths), recursive: opts.recursive ?? false, reader }));
  }

  /** Newline-delimited JSON with an explicit schema. */
  readJson(paths: string | readonly string[], schema: Readonly<Record<string, string>>, opts: { recursive?: boolean } = {}): DataFrame {
    const reader = { format: 'json' as const, schema };
    return new DataFrame(this, new DataSourceNode(this.ctx, { paths: toPaths(paths), recursive: opts.recursive ?? false, reader }));
  }

  /**
   * A DataFrame of in-memory rows. Objects become rows; scalars become a column `item`. The rows are written once to
   * Parquet under the job root (plans carry paths, never data).
   */
  async fromItems(items: readonly unknown[], opts: { schema?: Readonly<Record<string, string>> } = {}): Promise<DataFrame> {
    if (items.length === 0) throw GeneralError.INVALID_ARGUMENT('fromItems needs at least one item');
    const rows = items.map((item) => (typeof item === 'object' && item !== null && !Array.isArray(item) && !(item instanceof Date)
      ? item as Record<string, unknown> : { item }));
    const digest = createHash('sha256').update(stableJson([rows, opts.schema ?? null])).digest('hex').slice(0, 20);
    const path = join(this.jobRoot, 'inputs', `items-${digest}.parquet`);
    await this.#writeOnce(path, (db) => createTableFromRows(db, rows, opts.schema ?? null, '__items').then(() => '__items'));
    return this.readParquet(path);
  }

  /** A DataFrame of an apache-arrow Table, written once to Parquet under the job root. */
  async fromArrow(table: Table): Promise<DataFrame> {
    const digest = createHash('sha256').update(tableToIPC(table)).digest('hex').slice(0, 20);
    const path = join(this.jobRoot, 'inputs', `arrow-${digest}.parquet`);
    await this.#writeOnce(path, (db) => createTableFromArrow(db, table, '__arrow').then(() => '__arrow'));
    return this.readParquet(path);
  }

  /** SQL over other DataFrames, per partition: `{0}`, `{1}` name them. With no inputs it runs once. */
  partialSql(query: string, ...dfs: DataFrame[]): DataFrame {
    return new DataFrame(this, new SqlEngineNode(this.ctx, dfs.map((d) => d.node), query));
  }

  /** Like partialSql, with node options (cpuLimit, memoryLimit). */
  partialSqlWith(query: string, dfs: readonly DataFrame[], options: NodeOptions): DataFrame {
    return new DataFrame(this, new SqlEngineNode(this.ctx, dfs.map((d) => d.node), query, options));
  }

  async #writeOnce(path: string, fill: (db: DuckDBConnection) => Promise<string>): Promise<void> {
    if (await stat(path).then(() => true, () => false)) return;
    await mkdir(join(this.jobRoot, 'inputs'), { recursive: true });
    const db = await openDuckDB({ threads: 1, memoryLimit: null });
    try {
      const table = await fill(db.connection);
      const tmp = `${path}.${process.pid}.tmp`;
      await db.connection.run(`COPY ${table} TO ${sqlString(tmp)} (FORMAT PARQUET, COMPRESSION ZSTD)`);
      await rename(tmp, path);
    } finally {
      db.close();
    }
  }

  /** Compiles `root` and runs it as the job `smallpond/<jobId>.<n>`; resolves to its output. */
  async execute(root: Node, opts: { salt?: string | null; outputDescription?: string } = {}): Promise<JobOutput> {
    if (this.#closed) throw GeneralError.INVALID_ARGUMENT('this session was shut down');
    const seq = ++this.#actions;
    const plan = planStages(root, {
      jobId: this.jobId, jobRoot: this.jobRoot, defaults: this.options.defaults, rootSalt: opts.salt ?? null,
    });
    let result: PipelineResult;
    try {
      result = await runPipeline(this.temporal.client, plan, {
        workflowId: `smallpond/${this.jobId}.${seq}`,
        execution: this.options.execution,
        progress: this.options.progress,
        outputDescription: opts.outputDescription ?? 'returned to the client',
      });
    } catch (err) {
      this.#failed = true;
      throw err;
    }
    return new JobOutput(result.jobRoot, result.output, result);
  }

  /** Marks a failure that happened outside a job (the session's `.STATUS` then says failure). */
  markFailed(): void {
    this.#failed = true;
  }

  /**
   * Ends the session: stops the in-process worker and the client, appends `success@<time>` or `failure@<time>` to
   * `<jobRoot>/log/.STATUS`, and on success removes intermediate stage data and inputs. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const status = this.#failed ? 'failure' : 'success';
    // The worker and client are released even when recording the status fails (say the job root is gone): a worker
    // left polling keeps the process alive forever.
    try {
      await mkdir(join(this.jobRoot, 'log'), { recursive: true });
      await appendFile(join(this.jobRoot, 'log', '.STATUS'), `${status}@${new Date().toISOString()}\n`);
      if (!this.#failed) {
        await rm(join(this.jobRoot, 'stages'), { recursive: true, force: true });
        await rm(join(this.jobRoot, 'inputs'), { recursive: true, force: true });
      }
    } finally {
      try {
        if (this.worker !== null) {
          this.worker.worker.shutdown();
          await this.worker.running;
          await this.worker.connection.close();
        }
      } finally {
        await this.temporal.close();
      }
    }
  }
}

/** Starts a session. See SessionOptions for the embedded default and the connect-only mode. */
export async function init(options: SessionOptions = {}): Promise<Session> {
  return Session.create(options);
}
