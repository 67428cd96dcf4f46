/**
 * GraySort-style benchmark: 100-byte records (10-byte random key + 90-byte payload) as Parquet are shuffled by key
 * prefix into P range partitions and sorted inside each partition, so the partitions read in order are globally
 * sorted. The same sort runs in one run on the same data as:
 *
 *   1. one DuckDB process (the baseline): `COPY (SELECT * FROM inputs ORDER BY key) TO one file`, all threads;
 *   2. Firepond: readParquet → repartition(F) → repartition(P, by: key prefix) → partialSort('key') → writeParquet;
 *   3. Python smallpond 0.15 from PyPI (bench/graysort_smallpond.py), when it installs and runs here.
 *
 * Every output is validated: global order (inside each file, and across files in partition order), the row count,
 * and an order-independent checksum equal to the input's.
 *
 *   node --import tsx bench/graysort.ts [--gib 0.25] [--partitions 8] [--files 4] [--threads 1] [--concurrency <cores>]
 *
 * The exported functions are what bench/graysort.test.ts calls at a few MB (STYLE.md rule 12).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, homedir, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DataFrame, Session } from '../client/smallpond/index.ts';
import { DataSinkNode, init, planStages } from '../client/smallpond/index.ts';
import { openDuckDB, readRows, sqlString } from '../infra/duckdb/index.ts';
import { resolveAddress, startDevServer, stopDevServer } from '../infra/temporal/index.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';
import { childTimings, latestPipelineId } from './temporal-history.ts';

export const RECORD_BYTES = 100;
export const KEY_BYTES = 10;
const PARQUET_OPTIONS = 'FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 122880';
const GENERATOR_VERSION = 1;

// ---------------------------------------------------------------------------------------------------------------
// Data

export interface GenerateOptions {
  /** Directory for the input files; reused when it already holds data generated with the same parameters. */
  readonly dir: string;
  /** Raw record bytes (records × 100); the Parquet files are smaller, the payload compresses. */
  readonly bytes: number;
  readonly files: number;
  readonly seed?: number;
  /** DuckDB threads for generating; default: all cores. */
  readonly threads?: number;
}

export interface RecordChecksum {
  readonly rows: number;
  /** Sum over records of hash(key, payload), as a decimal string: independent of order and of file layout. */
  readonly checksum: string;
}

export interface GeneratedData extends RecordChecksum {
  readonly files: readonly string[];
  readonly bytes: number;
  readonly parquetBytes: number;
  readonly seconds: number;
  /** True when matching data was already on disk and nothing was generated. */
  readonly reused: boolean;
}

/**
 * The SELECT generating records [lo, hi), deterministic in (row, seed). The layout follows gensort's binary records:
 * a random key, then a payload holding the record number, fixed marker bytes and a filler of repeated hex digits.
 *
 *   key (10 B)      8 + 2 bytes of hash(i, seed)
 *   payload (90 B)  00 11 | record number as 32 hex digits | 88 99 AA BB | 12 × 4 hex digits (48 B) | CC DD EE FF
 */
export function recordsSelect(lo: number, hi: number, seed: number): string {
  return `SELECT unhex(printf('%016x%04x', hash(i, ${seed}), hash(i, ${seed}, 1) & 65535)) AS key,
    '\\x00\\x11'::BLOB || encode(printf('%032X', i)) || '\\x88\\x99\\xAA\\xBB'::BLOB
      || encode(repeat(printf('%04X', hash(i, ${seed}, 2) & 65535), 12)) || '\\xCC\\xDD\\xEE\\xFF'::BLOB AS payload
    FROM range(${lo}, ${hi}) t(i)`;
}

/** Writes `bytes / 100` records into `files` Parquet files of contiguous record numbers. */
export async function generateRecords(opts: GenerateOptions): Promise<GeneratedData> {
  const seed = opts.seed ?? 42;
  const rows = Math.floor(opts.bytes / RECORD_BYTES);
  if (rows < 1 || opts.files < 1 || opts.files > rows) throw new Error(`cannot make ${opts.files} files of ${rows} records`);
  const marker = join(opts.dir, '_graysort.json');
  const params = { version: GENERATOR_VERSION, rows, files: opts.files, seed };
  const files = Array.from({ length: opts.files }, (_, f) => join(opts.dir, `records-${String(f).padStart(4, '0')}.parquet`));
  const started = performance.now();
  const previous = await readFile(marker, 'utf8').then((t) => JSON.parse(t) as typeof params & RecordChecksum, () => null);
  const same = previous !== null && previous.version === params.version && previous.rows === rows && previous.files === opts.files && previous.seed === seed;
  if (same && files.every((f) => existsSync(f))) {
    return { files, rows, checksum: previous!.checksum, bytes: rows * RECORD_BYTES, parquetBytes: await sizeOf(files), seconds: 0, reused: true };
  }
  await rm(opts.dir, { recursive: true, force: true });
  await mkdir(opts.dir, { recursive: true });
  const db = await openDuckDB({ threads: opts.threads ?? availableParallelism(), memoryLimit: null, preserveInsertionOrder: false });
  try {
    const per = Math.ceil(rows / opts.files);
    for (const [f, path] of files.entries()) {
      const lo = f * per;
      const hi = Math.min(rows, lo + per);
      await db.connection.run(`COPY (${recordsSelect(lo, hi, seed)}) TO ${sqlString(path)} (${PARQUET_OPTIONS})`);
    }
  } finally {
    db.close();
  }
  const sum = await checksumRecords(files, opts.threads ?? availableParallelism());
  if (sum.rows !== rows) throw new Error(`generated ${sum.rows} records, expected ${rows}`);
  await writeFile(marker, JSON.stringify({ ...params, ...sum }));
  return { files, ...sum, bytes: rows * RECORD_BYTES, parquetBytes: await sizeOf(files), seconds: (performance.now() - started) / 1000, reused: false };
}

async function sizeOf(files: readonly string[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await stat(f)).size;
  return n;
}

/** Row count and order-independent checksum of the records (columns key, payload) in `files`. */
export async function checksumRecords(files: readonly string[], threads: number = availableParallelism()): Promise<RecordChecksum> {
  const db = await openDuckDB({ threads, memoryLimit: null });
  try {
    const rows = await readRows(db.connection,
      `SELECT count(*) AS n, CAST(coalesce(sum(hash(key, payload)::HUGEINT), 0) AS VARCHAR) AS c FROM read_parquet(${sqlList(files)})`);
    return { rows: Number(rows[0]!['n']), checksum: String(rows[0]!['c']) };
  } finally {
    db.close();
  }
}

function sqlList(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(', ')}]`;
}

/**
 * SQL for the partition of a key: its first 4 bytes as a big-endian number scaled to [0, P). It never decreases as
 * keys grow (BLOBs compare byte-wise, unsigned), so every key of partition p is ≤ every key of partition p + 1.
 */
export function keyRangePartition(column: string, partitions: number): string {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 65_536) throw new Error(`partitions must be in [1, 65536], got ${partitions}`);
  return `(CAST('0x' || hex(${column})[1:8] AS UBIGINT) * ${partitions}) >> 32`;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

export interface ValidationResult extends RecordChecksum {
  readonly ok: boolean;
  readonly files: number;
  /** Adjacent record pairs out of order inside a file. */
  readonly unsortedPairs: number;
  /** Non-empty files whose first key is below the previous non-empty file's last key. */
  readonly boundaryViolations: number;
  readonly problems: readonly string[];
}

/**
 * Checks that `files`, read in the given order, hold exactly the expected records in globally sorted key order: each
 * file sorted (by its row order), file boundaries ordered, the row count and the checksum equal to the input's.
 */
export async function validate(opts: { readonly files: readonly string[]; readonly expected: RecordChecksum; readonly threads?: number }): Promise<ValidationResult> {
  const problems: string[] = [];
  if (opts.files.length === 0) {
    return { ok: false, files: 0, rows: 0, checksum: '0', unsortedPairs: 0, boundaryViolations: 0, problems: ['no output files'] };
  }
  const sum = await checksumRecords(opts.files, opts.threads);
  const db = await openDuckDB({ threads: opts.threads ?? availableParallelism(), memoryLimit: null });
  let perFile: Record<string, unknown>[];
  try {
    perFile = await readRows(db.connection, `
      SELECT filename, count(*) AS n, count(*) FILTER (WHERE prev > key) AS unsorted, min(key) AS lo, max(key) AS hi
      FROM (SELECT filename, key, lag(key) OVER (PARTITION BY filename ORDER BY file_row_number) AS prev
            FROM read_parquet(${sqlList(opts.files)}, filename = true, file_row_number = true))
      GROUP BY filename`);
  } finally {
    db.close();
  }
  const byFile = new Map(perFile.map((r) => [String(r['filename']), r]));
  let unsortedPairs = 0;
  let boundaryViolations = 0;
  let last: Uint8Array | null = null;
  for (const file of opts.files) {
    const r = byFile.get(file);
    if (r === undefined) continue; // no rows
    unsortedPairs += Number(r['unsorted']);
    const lo = r['lo'] as Uint8Array;
    if (last !== null && Buffer.compare(last, lo) > 0) {
      boundaryViolations++;
      if (boundaryViolations <= 3) problems.push(`${file} starts below the previous file's last key`);
    }
    last = r['hi'] as Uint8Array;
  }
  if (unsortedPairs > 0) problems.push(`${unsortedPairs} adjacent records out of order inside files`);
  if (sum.rows !== opts.expected.rows) problems.push(`${sum.rows} records, expected ${opts.expected.rows}`);
  if (sum.checksum !== opts.expected.checksum) problems.push(`checksum ${sum.checksum}, expected ${opts.expected.checksum}`);
  return { ok: problems.length === 0, files: opts.files.length, ...sum, unsortedPairs, boundaryViolations, problems };
}

// ---------------------------------------------------------------------------------------------------------------
// The systems

export interface StageTiming {
  readonly label: string;
  readonly tasks: number;
  readonly seconds: number;
}

export interface SortRun {
  readonly system: string;
  readonly seconds: number;
  /** Output files in partition order. */
  readonly files: readonly string[];
  /** Per-stage wall time (Firepond only). */
  readonly stages: readonly StageTiming[];
  readonly note: string;
}

export interface FirepondSortOptions {
  readonly session: Session;
  readonly inputs: readonly string[];
  readonly outputDir: string;
  readonly partitions: number;
  /** Shuffle producers: the input files are first spread evenly over this many partitions (at most one per file). */
  readonly producers: number;
}

/** The Firepond pipeline, up to (not including) the sink. */
export function graySortFrame(session: Session, opts: Omit<FirepondSortOptions, 'session' | 'outputDir'>): DataFrame {
  let df = session.readParquet(opts.inputs);
  const producers = Math.min(opts.producers, opts.inputs.length);
  if (producers > 1) df = df.repartition(producers);
  return df.repartition(opts.partitions, { by: keyRangePartition('key', opts.partitions) }).partialSort('key');
}

/** Runs the sort as one Firepond job; the time covers planning, every workflow and task, and the sink. */
export async function runFirepondSort(opts: FirepondSortOptions): Promise<SortRun> {
  const { session } = opts;
  const outputDir = resolve(opts.outputDir);
  await rm(outputDir, { recursive: true, force: true });
  const df = graySortFrame(session, opts);
  const started = performance.now();
  await df.writeParquet(outputDir);
  const seconds = (performance.now() - started) / 1000;

  const manifest = await readFile(join(outputDir, '.MANIFEST.txt'), 'utf8');
  const files = manifest.split('\n').filter((l) => l !== '').map((l) => join(outputDir, l));
  const o = session.options;
  const plan = planStages(new DataSinkNode(session.ctx, [df.node], outputDir, 'link_or_copy'), { jobId: o.jobId, jobRoot: o.jobRoot, defaults: o.defaults });
  const stages: StageTiming[] = [];
  const pipelineId = await latestPipelineId(session.temporal.client, session.jobId);
  if (pipelineId !== null) {
    for (const child of await childTimings(session.temporal.client, pipelineId)) {
      const index = Number(/stage-(\d+)$/.exec(child.workflowId)?.[1] ?? -1);
      const spec = plan.stages[index];
      stages[index] = { label: spec === undefined ? child.workflowId : `${spec.params.kind}`, tasks: spec?.tasks ?? 0, seconds: (child.closedMs - child.startedMs) / 1000 };
    }
  }
  const r = o.defaults;
  return {
    system: 'Firepond',
    seconds,
    files,
    stages: stages.filter((s) => s !== undefined),
    note: `${o.workerConcurrency ?? availableParallelism()} tasks at once × ${r.threads} DuckDB thread(s), memory_limit ${r.memoryLimit ?? 'default'}`,
  };
}

export interface DuckDBSortOptions {
  readonly inputs: readonly string[];
  readonly outputDir: string;
  /** DuckDB threads: give it the same total as Firepond (tasks at once × threads per task). */
  readonly threads: number;
  readonly memoryLimit?: string | null;
}

/** The baseline: one DuckDB instance sorts everything and writes one Parquet file with the same writer settings. */
export async function runDuckDBSort(opts: DuckDBSortOptions): Promise<SortRun> {
  const outputDir = resolve(opts.outputDir);
  await rm(outputDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });
  const out = join(outputDir, 'sorted.parquet');
  const started = performance.now();
  const db = await openDuckDB({ threads: opts.threads, memoryLimit: opts.memoryLimit ?? null, tempDirectory: join(outputDir, '.tmp') });
  try {
    await db.connection.run(`COPY (SELECT * FROM read_parquet(${sqlList(opts.inputs)}) ORDER BY key) TO ${sqlString(out)} (${PARQUET_OPTIONS})`);
  } finally {
    db.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await rm(join(outputDir, '.tmp'), { recursive: true, force: true });
  return { system: 'DuckDB', seconds, files: [out], stages: [], note: `one process, ${opts.threads} threads, memory_limit ${opts.memoryLimit ?? 'default (80% RAM)'}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Python smallpond

export const SMALLPOND_VERSION = '0.15.0';
/**
 * smallpond 0.15 asks for `duckdb>=1.2.0` with no upper bound, and a fresh resolve picks duckdb 2, which removed the
 * `duckdb.typing` module smallpond imports. Pin the DuckDB series it was released against (February 2025).
 */
const SMALLPOND_REQUIREMENTS = [`smallpond==${SMALLPOND_VERSION}`, 'duckdb>=1.2,<1.3'];
const SMALLPOND_SCRIPT = fileURLToPath(new URL('./graysort_smallpond.py', import.meta.url));

export type Skipped = { readonly skipped: string };

function cacheDir(): string {
  return process.env['FIREPOND_CACHE_DIR'] ?? join(homedir(), '.cache', 'firepond');
}

interface Exec {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command, collecting its output; a timeout kills it (and its process group). Never throws for exit codes. */
function exec(cmd: string, args: readonly string[], opts: { cwd?: string; timeoutMs: number; logPath?: string; env?: NodeJS.ProcessEnv }): Promise<Exec> {
  return new Promise((resolveExec) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const log = opts.logPath === undefined ? null : createWriteStream(opts.logPath);
    // A log that cannot be opened must not become an uncaught error; the run's own result still counts.
    log?.on('error', () => undefined);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); log?.write(b); });
    child.stderr.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-200_000); log?.write(b); });
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch { /* already gone */ }
    }, opts.timeoutMs);
    let finished = false; // 'error' (e.g. no such executable) may be followed by 'close'
    const finish = (code: number | null, signal: string | null): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr };
      // Resolve only once the log is flushed and closed, so callers may remove its directory right away.
      if (log === null) resolveExec(result);
      else log.end(() => resolveExec(result));
    };
    child.on('error', (err) => { stderr += String(err); finish(null, null); });
    child.on('close', finish);
  });
}

function tail(text: string, lines = 12): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * A venv with smallpond 0.15 from PyPI under the cache directory (outside the repository), created on first use.
 * Returns its python, or why there is none. Never throws: a failed install must not fail the benchmark.
 */
export async function ensurePythonSmallpond(opts: { readonly log?: (line: string) => void } = {}): Promise<{ readonly python: string } | Skipped> {
  const dir = join(cacheDir(), 'pysmallpond');
  const python = join(dir, 'venv', 'bin', 'python');
  // smallpond imports most of itself lazily, in init(): import the DataFrame module to see it would run.
  const probe = async (): Promise<Exec> => exec(python, ['-c', 'import smallpond.dataframe, duckdb, ray'], { timeoutMs: 120_000 });
  if (existsSync(python) && (await probe()).code === 0) return { python };
  try {
    await mkdir(dir, { recursive: true });
    const system = process.env['PYTHON'] ?? 'python3';
    opts.log?.(`installing ${SMALLPOND_REQUIREMENTS.join(' ')} into ${dir}/venv (first run only)`);
    if (!existsSync(python)) {
      const venv = await exec(system, ['-m', 'venv', join(dir, 'venv')], { timeoutMs: 300_000 });
      if (venv.code !== 0) return { skipped: `\`${system} -m venv\` failed: ${tail(venv.stderr, 3)}` };
    }
    const pip = await exec(python, ['-m', 'pip', 'install', '--quiet', ...SMALLPOND_REQUIREMENTS], { timeoutMs: 30 * 60_000, logPath: join(dir, 'pip.log') });
    if (pip.code !== 0) return { skipped: `pip install ${SMALLPOND_REQUIREMENTS.join(' ')} failed (see ${join(dir, 'pip.log')}): ${tail(pip.stderr, 3)}` };
    const check = await probe();
    if (check.code !== 0) return { skipped: `smallpond installed but does not import: ${tail(check.stderr, 3)}` };
    return { python };
  } catch (err) {
    return { skipped: `cannot set up Python smallpond: ${(err as Error).message}` };
  }
}

export interface SmallpondSortOptions {
  readonly python: string;
  readonly inputs: readonly string[];
  readonly outputDir: string;
  /** smallpond's data root (job directories); removed afterwards. */
  readonly dataRoot: string;
  readonly partitions: number;
  readonly producers: number;
  /** DuckDB threads of smallpond's one shuffle task (it plans a single producer when run locally). */
  readonly shuffleCpus: number;
  readonly timeoutMs?: number;
}

/** Runs bench/graysort_smallpond.py; its own timer excludes interpreter start, imports and `smallpond.init`. */
export async function runSmallpondSort(opts: SmallpondSortOptions): Promise<SortRun | Skipped> {
  const outputDir = resolve(opts.outputDir);
  await rm(outputDir, { recursive: true, force: true });
  await rm(opts.dataRoot, { recursive: true, force: true });
  await mkdir(opts.dataRoot, { recursive: true });
  const args = [
    SMALLPOND_SCRIPT, '--inputs', ...opts.inputs, '--output', outputDir, '--data-root', resolve(opts.dataRoot),
    '--partitions', String(opts.partitions), '--producers', String(Math.min(opts.producers, opts.inputs.length)),
    '--bucket-expr', keyRangePartition('key', opts.partitions), '--shuffle-cpus', String(opts.shuffleCpus),
  ];
  const started = performance.now();
  const run = await exec(opts.python, args, { cwd: opts.dataRoot, timeoutMs: opts.timeoutMs ?? 2 * 60 * 60_000, logPath: join(opts.dataRoot, 'run.log') });
  const wall = (performance.now() - started) / 1000;
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.code !== 0 || !last.startsWith('{')) {
    return { skipped: `Python smallpond failed (exit ${run.code ?? run.signal}; log ${join(opts.dataRoot, 'run.log')}):\n${tail(run.stderr)}` };
  }
  const out = JSON.parse(last) as { pipeline_seconds: number; import_and_init_seconds: number; files: string[]; order: string };
  return {
    system: `Python smallpond ${SMALLPOND_VERSION}`,
    seconds: out.pipeline_seconds,
    files: out.files,
    stages: [],
    note: `Ray on this host, default executors, shuffle cpu_limit ${opts.shuffleCpus}; +${out.import_and_init_seconds.toFixed(1)} s import/init, ${wall.toFixed(1)} s process; files ordered by ${out.order}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// main

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      gib: { type: 'string', default: '0.25' },
      partitions: { type: 'string', default: '8' },
      files: { type: 'string', default: '4' },
      producers: { type: 'string' },
      threads: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: String(availableParallelism()) },
      seed: { type: 'string', default: '42' },
      work: { type: 'string', default: join(tmpdir(), 'firepond-graysort') },
      'no-python': { type: 'boolean', default: false },
      'python-timeout-min': { type: 'string', default: '120' },
    },
  });
  const gib = Number(values.gib);
  const partitions = Number(values.partitions);
  const files = Number(values.files);
  const producers = Number(values.producers ?? values.files);
  const threads = Number(values.threads);
  const concurrency = Number(values.concurrency);
  const seed = Number(values.seed);
  const work = resolve(values.work);
  const bytes = Math.round(gib * 2 ** 30);
  const say = (line: string): void => console.log(`[graysort] ${line}`);
  say(`${gib} GiB, ${partitions} partitions, ${files} input files, ${producers} shuffle producers; ${availableParallelism()} cores, ${mib(totalmem())} RAM`);
  say(`Firepond: ${concurrency} tasks at once × ${threads} DuckDB thread(s); DuckDB baseline: ${concurrency * threads} threads`);

  // 1. data
  const data = await generateRecords({ dir: join(work, `input-${bytes}-${files}-${seed}`), bytes, files, seed });
  say(`${data.reused ? 'reused' : 'generated'} ${data.rows.toLocaleString('en-US')} records (${mib(data.bytes)} raw, ${mib(data.parquetBytes)} Parquet) in ${fmt(data.seconds, 1)} s`);
  const expected = { rows: data.rows, checksum: data.checksum };
  const runs: { run: SortRun; valid: ValidationResult }[] = [];
  const check = async (run: SortRun): Promise<void> => {
    const valid = await validate({ files: run.files, expected });
    runs.push({ run, valid });
    say(`${run.system}: ${fmt(run.seconds)} s, ${valid.ok ? 'valid' : `INVALID: ${valid.problems.join('; ')}`} (${valid.files} files)`);
  };

  // 2. the baseline
  await check(await runDuckDBSort({ inputs: data.files, outputDir: join(work, 'out-duckdb'), threads: concurrency * threads }));

  // 3. Firepond. Its own throw-away dev server on a free port (the embedded default would take 7233, which may be in
  //    use on a shared machine); an existing server is used when TEMPORAL_ADDRESS says so.
  const fpDir = join(work, 'firepond');
  await rm(fpDir, { recursive: true, force: true });
  let address = resolveAddress();
  const ownServer = address === null;
  if (address === null) {
    address = (await startDevServer({ dataDir: fpDir, port: 0, uiPort: null, ephemeral: true, searchAttributes: SEARCH_ATTRIBUTES })).address;
  }
  try {
    const session = await init({ dataDir: fpDir, temporalAddress: address, startWorker: true, uiPort: null, threads, workerConcurrency: concurrency });
    try {
      await check(await runFirepondSort({ session, inputs: data.files, outputDir: join(work, 'out-firepond'), partitions, producers }));
    } catch (err) {
      session.markFailed();
      throw err;
    } finally {
      await session.shutdown();
    }
  } finally {
    if (ownServer) await stopDevServer(fpDir);
  }

  // 4. Python smallpond, when it installs and runs
  let smallpondSkipped: string | null = null;
  if (values['no-python']) {
    smallpondSkipped = '--no-python';
  } else {
    const env = await ensurePythonSmallpond({ log: say });
    if ('skipped' in env) {
      smallpondSkipped = env.skipped;
    } else {
      const run = await runSmallpondSort({
        python: env.python, inputs: data.files, outputDir: join(work, 'out-smallpond'), dataRoot: join(work, 'smallpond-root'),
        partitions, producers, shuffleCpus: concurrency * threads, timeoutMs: Number(values['python-timeout-min']) * 60_000,
      });
      if ('skipped' in run) smallpondSkipped = run.skipped;
      else await check(run);
    }
  }
  if (smallpondSkipped !== null) say(`Python smallpond skipped: ${smallpondSkipped}`);

  // 5. report
  const base = runs.find((r) => r.run.system === 'DuckDB')!.run.seconds;
  const rawMiB = data.bytes / 2 ** 20;
  console.log('');
  console.log(table([
    ['system', 'seconds', 'MiB/s (raw)', '× DuckDB', 'valid', 'setup'],
    ...runs.map(({ run, valid }) => [run.system, fmt(run.seconds), fmt(rawMiB / run.seconds, 1), fmt(run.seconds / base), valid.ok ? 'yes' : 'NO', run.note]),
  ]));
  const fp = runs.find((r) => r.run.system === 'Firepond');
  if (fp !== undefined && fp.run.stages.length > 0) {
    console.log('');
    console.log('Firepond stages (stage workflow start → close):');
    console.log(table([['stage', 'tasks', 'seconds'], ...fp.run.stages.map((s, i) => [`${i} ${s.label}`, String(s.tasks), fmt(s.seconds)])]));
  }
  const py = runs.find((r) => r.run.system.startsWith('Python'));
  console.log('');
  if (fp !== undefined) {
    console.log(`firepond / duckdb    = ${fmt(fp.run.seconds / base)}  (goal ≤ 1.5)`);
    console.log(`firepond / smallpond = ${py === undefined ? `— (${smallpondSkipped?.split('\n')[0] ?? 'not run'})` : `${fmt(fp.run.seconds / py.run.seconds)}  (goal < 1)`}`);
  }
  if (runs.some((r) => !r.valid.ok)) process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
