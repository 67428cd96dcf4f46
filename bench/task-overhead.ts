/**
 * Temporal's overhead per partition task. One stage of N near-no-op tasks, each `SELECT item` over a one-row range of
 * a tiny Parquet file written to a tiny Parquet file:
 *
 *   sp.fromItems([0..N)).repartition(N, { byRows: true }).map('item')      → a SQL stage of N tasks
 *
 * runs on a worker of our own that times the inside of every activity (an interceptor around the activity function).
 * The stage workflow's history supplies the server's view of each task. Per task, with server event times:
 *
 *   ActivityTaskScheduled ─dispatch─▶ ActivityTaskStarted ─────run─────▶ ActivityTaskCompleted ─turnaround─▶ next WFT completed
 *                                                      [ inside (worker clock) ]
 *
 *   overhead   = (Completed − Scheduled) − inside     activity wall time as the workflow sees it, minus the work
 *   turnaround = first WorkflowTaskCompleted after Completed − Completed
 *                                                     until the stage workflow has reacted (scheduled the next task)
 *   cycle      = overhead + turnaround                 what one task costs a window lane beyond its work
 *
 * The window defaults to the worker's slots, so a scheduled task never waits behind a busy slot (that would be
 * queueing, not overhead). The baseline is the same query in a fresh DuckDB without Temporal, timed the same way.
 * Main runs it on a dev server as `init()` starts one, and on one with the transfer-queue poll limit raised (see
 * SERVER_CONFIGS).
 *
 *   node --import tsx bench/task-overhead.ts [--tasks 200] [--concurrency <cores>] [--window <concurrency>] [--defaults-only]
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Context as ActivityContext } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { firepondPlugins, WORKFLOWS_PATH } from '../activities/index.ts';
import { init, planStages } from '../client/smallpond/index.ts';
import { openDuckDB, sqlString } from '../infra/duckdb/index.ts';
import { connectWorker, resolveAddress, startDevServer, stopDevServer } from '../infra/temporal/index.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';
import type { HistoryEvent } from './temporal-history.ts';
import { eventIdOf, eventTimeMs, fetchChainHistory, latestPipelineId, quantile } from './temporal-history.ts';

/** Times the activity function on the worker, keyed by `<workflowId>|<activityId>` (the last attempt wins). */
class TimingInterceptor implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: ActivityContext, private readonly sink: Map<string, number>) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const started = performance.now();
    try {
      return await next(input);
    } finally {
      const { activityId, workflowExecution } = this.ctx.info;
      this.sink.set(`${workflowExecution?.workflowId ?? ''}|${activityId}`, performance.now() - started);
    }
  }
}

export interface TaskSample {
  readonly activityId: string;
  readonly dispatchMs: number;
  readonly runMs: number;
  readonly insideMs: number;
  readonly overheadMs: number;
  readonly turnaroundMs: number;
}

export interface Summary {
  readonly median: number;
  readonly p95: number;
}

export interface OverheadReport {
  readonly tasks: number;
  readonly concurrency: number;
  readonly window: number;
  readonly samples: readonly TaskSample[];
  readonly dispatch: Summary;
  readonly inside: Summary;
  /** run − inside: the worker's side (SDK, completion call). */
  readonly worker: Summary;
  readonly overhead: Summary;
  readonly turnaround: Summary;
  readonly cycle: Summary;
  /** The same query, each time in a fresh DuckDB with no Temporal around it. */
  readonly duckdb: Summary;
  /** Stage workflow: first task scheduled → last task completed. */
  readonly stageSeconds: number;
}

export interface OverheadOptions {
  /** Temporal frontend, host:port. */
  readonly address: string;
  /** Data directory for the session (job data under it). */
  readonly dataDir: string;
  readonly tasks: number;
  /** Worker activity slots. */
  readonly concurrency: number;
  /** Tasks in flight per stage; default: `concurrency`. */
  readonly window?: number;
  /** Baseline repetitions (default: min(tasks, 100)). */
  readonly duckdbRuns?: number;
}

function summarize(values: readonly number[]): Summary {
  return { median: quantile(values, 0.5), p95: quantile(values, 0.95) };
}

/** Per-task samples of the `smallpondRunTask` activities in a stage workflow's history (all runs). */
export function samplesFromHistory(runs: readonly (readonly HistoryEvent[])[], workflowId: string, inside: ReadonlyMap<string, number>): { samples: TaskSample[]; firstMs: number; lastMs: number } {
  const samples: TaskSample[] = [];
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const events of runs) {
    const scheduled = new Map<number, { id: string; at: number }>();
    const started = new Map<number, number>();
    const wftCompleted: { id: number; at: number }[] = [];
    const completed: { scheduledId: number; id: number; at: number }[] = [];
    for (const e of events) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s !== null && s !== undefined && s.activityType?.name === 'smallpondRunTask') scheduled.set(eventIdOf(e), { id: s.activityId ?? '', at: eventTimeMs(e) });
      const st = e.activityTaskStartedEventAttributes;
      if (st !== null && st !== undefined) started.set(Number(st.scheduledEventId?.toString() ?? 0), eventTimeMs(e));
      const c = e.activityTaskCompletedEventAttributes;
      if (c !== null && c !== undefined) completed.push({ scheduledId: Number(c.scheduledEventId?.toString() ?? 0), id: eventIdOf(e), at: eventTimeMs(e) });
      if (e.workflowTaskCompletedEventAttributes !== null && e.workflowTaskCompletedEventAttributes !== undefined) wftCompleted.push({ id: eventIdOf(e), at: eventTimeMs(e) });
    }
    for (const c of completed) {
      const sched = scheduled.get(c.scheduledId);
      const start = started.get(c.scheduledId);
      if (sched === undefined || start === undefined) continue; // a control activity
      const insideMs = inside.get(`${workflowId}|${sched.id}`);
      if (insideMs === undefined) continue;
      const next = wftCompleted.find((w) => w.id > c.id);
      samples.push({
        activityId: sched.id,
        dispatchMs: start - sched.at,
        runMs: c.at - start,
        insideMs,
        overheadMs: c.at - sched.at - insideMs,
        turnaroundMs: next === undefined ? Number.NaN : next.at - c.at,
      });
      firstMs = Math.min(firstMs, sched.at);
      lastMs = Math.max(lastMs, c.at);
    }
  }
  return { samples, firstMs, lastMs };
}

/** Runs N near-no-op tasks as one stage on an instrumented worker and reads their timings back from the history. */
export async function measureTaskOverhead(opts: OverheadOptions): Promise<OverheadReport> {
  const window = opts.window ?? opts.concurrency;
  const taskQueue = `overhead-${randomUUID()}`;
  const inside = new Map<string, number>();
  const connection = await connectWorker(opts.address);
  let worker: Worker;
  try {
    const bundle = process.env['FIREPOND_WORKFLOW_BUNDLE'] ?? null;
    worker = await Worker.create({
      connection,
      taskQueue,
      plugins: firepondPlugins(),
      ...(bundle !== null && existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_PATH }),
      bundlerOptions: { ignoreModules: [] },
      maxConcurrentActivityTaskExecutions: opts.concurrency,
      interceptors: { activity: [(ctx) => ({ inbound: new TimingInterceptor(ctx, inside) })] },
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const running = worker.run();
  try {
    const sp = await init({
      dataDir: opts.dataDir, temporalAddress: opts.address, startWorker: false, uiPort: null, progress: false,
      threads: 1, memoryLimit: '256MB', execution: { taskQueue, window },
    });
    try {
      const items = await sp.fromItems(Array.from({ length: opts.tasks }, (_, i) => i));
      const df = items.repartition(opts.tasks, { byRows: true }).map('item');
      await df.compute();

      const o = sp.options;
      const plan = planStages(df.node, { jobId: o.jobId, jobRoot: o.jobRoot, defaults: o.defaults });
      const pipelineId = await latestPipelineId(sp.temporal.client, sp.jobId);
      if (pipelineId === null) throw new Error(`no pipeline workflow found for job ${sp.jobId}`);
      const stageId = `${pipelineId}/stage-${plan.output}`;
      const { samples, firstMs, lastMs } = samplesFromHistory(await fetchChainHistory(sp.temporal.client, stageId), stageId, inside);
      const itemsFile = (await readdir(join(o.jobRoot, 'inputs'))).find((f) => f.startsWith('items-'));
      if (itemsFile === undefined) throw new Error('the items file of fromItems is missing');
      const duckdb = await timeDuckDBTask(join(o.jobRoot, 'inputs', itemsFile), join(o.jobRoot, 'baseline'), opts.duckdbRuns ?? Math.min(opts.tasks, 100));

      const pick = (f: (s: TaskSample) => number): Summary => summarize(samples.map(f).filter(Number.isFinite));
      return {
        tasks: opts.tasks,
        concurrency: opts.concurrency,
        window,
        samples,
        dispatch: pick((s) => s.dispatchMs),
        inside: pick((s) => s.insideMs),
        worker: pick((s) => s.runMs - s.insideMs),
        overhead: pick((s) => s.overheadMs),
        turnaround: pick((s) => s.turnaroundMs),
        cycle: pick((s) => s.overheadMs + s.turnaroundMs),
        duckdb: summarize(duckdb),
        stageSeconds: (lastMs - firstMs) / 1000,
      };
    } finally {
      await sp.shutdown();
    }
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
}

/** What one task does, without Temporal: a fresh DuckDB (1 thread) copies a one-row range to a Parquet file. */
async function timeDuckDBTask(itemsFile: string, dir: string, runs: number): Promise<number[]> {
  await mkdir(dir, { recursive: true });
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const db = await openDuckDB({ threads: 1, memoryLimit: '256MB' });
      try {
        const range = `SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(itemsFile)}, file_row_number = true) WHERE file_row_number BETWEEN ${i} AND ${i}`;
        await db.connection.run(`COPY (SELECT item FROM (${range})) TO ${sqlString(join(dir, `${i}.parquet`))} (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 122880)`);
      } finally {
        db.close();
      }
      times.push(performance.now() - started);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return times;
}

function ms(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : '—';
}

export function formatReport(r: OverheadReport): string {
  const rows: [string, Summary, string][] = [
    ['dispatch', r.dispatch, 'ActivityTaskScheduled → ActivityTaskStarted (server)'],
    ['inside activity', r.inside, 'the activity function, timed on the worker'],
    ['worker side', r.worker, '(Started → Completed) − inside: SDK and completion call'],
    ['overhead', r.overhead, '(Scheduled → Completed) − inside   ← goal: median < 30 ms'],
    ['turnaround', r.turnaround, 'Completed → next WorkflowTaskCompleted: the stage schedules the next task'],
    ['cycle overhead', r.cycle, 'overhead + turnaround: a lane\'s cost per task beyond the work'],
    ['DuckDB alone', r.duckdb, 'the same query in a fresh DuckDB, no Temporal (baseline)'],
  ];
  const lines = [
    `Task overhead: ${r.tasks} tasks (SELECT item over a 1-row range → 1-row Parquet), ${r.concurrency} worker slots, window ${r.window}, ${r.samples.length} samples`,
    '',
    `${'ms'.padEnd(16)}${'median'.padStart(8)}${'p95'.padStart(8)}  what`,
    ...rows.map(([name, s, what]) => `${name.padEnd(16)}${ms(s.median).padStart(8)}${ms(s.p95).padStart(8)}  ${what}`),
    '',
    `stage: ${r.stageSeconds.toFixed(2)} s for ${r.tasks} tasks = ${ms((r.stageSeconds * 1000 * r.window) / r.tasks)} ms per task per lane ` +
      `(${ms(r.inside.median)} ms of it inside the activity)`,
    `overhead / DuckDB alone (medians) = ${(r.overhead.median / r.duckdb.median).toFixed(2)}; overhead median ${r.overhead.median < 30 ? 'meets' : 'misses'} the 30 ms goal`,
  ];
  return lines.join('\n');
}

/**
 * Dev-server configurations to compare. The history service's transfer-queue reader (which hands new activity and
 * workflow tasks to matching) polls at most 20 times a second per shard by default, and the dev server has one
 * shard: every dispatch waits for the next 50 ms tick. Raising the limit removes that wait.
 */
export const SERVER_CONFIGS: readonly { readonly name: string; readonly dynamicConfig: Readonly<Record<string, number>> }[] = [
  { name: 'dev server defaults (as init() starts it)', dynamicConfig: {} },
  { name: 'history.transferProcessorMaxPollRPS=1000', dynamicConfig: { 'history.transferProcessorMaxPollRPS': 1000 } },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: String(availableParallelism()) },
      window: { type: 'string' },
      work: { type: 'string', default: join(tmpdir(), 'firepond-task-overhead') },
      'defaults-only': { type: 'boolean', default: false },
    },
  });
  const concurrency = Number(values.concurrency);
  const work = resolve(values.work);
  const options = { tasks: Number(values.tasks), concurrency, window: Number(values.window ?? concurrency) };
  // With TEMPORAL_ADDRESS set, measure that server as it is. Otherwise start throw-away dev servers on free ports (the
  // embedded default would take 7233, which may be in use on a shared machine).
  const address = resolveAddress();
  if (address !== null) {
    await rm(work, { recursive: true, force: true });
    try {
      console.log(formatReport(await measureTaskOverhead({ address, dataDir: work, ...options })));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    return;
  }
  for (const config of values['defaults-only'] ? SERVER_CONFIGS.slice(0, 1) : SERVER_CONFIGS) {
    const dir = join(work, randomUUID().slice(0, 8));
    const server = await startDevServer({ dataDir: dir, port: 0, uiPort: null, ephemeral: true, searchAttributes: SEARCH_ATTRIBUTES, dynamicConfig: config.dynamicConfig });
    try {
      console.log(`\n== ${config.name}`);
      console.log(formatReport(await measureTaskOverhead({ address: server.address, dataDir: dir, ...options })));
    } finally {
      await stopDevServer(dir);
      await rm(dir, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
