/**
 * Storage throughput: chunks written and read through the storage client into the local cluster's 3-replica chains
 * (`up({ temporal: false })`: mgmtd ×2, storage ×3 with two targets each), by several concurrent clients, at 1 MiB
 * and 64 KiB chunks. Measured in the same run, on the same disk:
 *
 *   - raw sequential disk write, as a replica writes: fio, 1 MiB blocks, buffered, fdatasync after every block (a
 *     replica acknowledges a chunk only after its fdatasync), psync, one job, on a file beside the cluster's data;
 *   - raw sequential disk read: fio, 1 MiB blocks, O_DIRECT (the device, not the page cache), psync, one job;
 *   - for reference only, a streaming write: fio, 1 MiB blocks, O_DIRECT, one fsync at the end;
 *   - loopback TCP: iperf3 against 127.0.0.1.
 *
 * Goals (issue "File system core" §7): write ≥ 50% of (raw disk write ÷ 3), since every byte lands on three replicas
 * of the one disk; read ≥ 50% of min(raw disk read, loopback TCP).
 *
 *   node --import tsx bench/storage-throughput.ts [--clients 4] [--mib-1m 512] [--mib-64k 128] [--fio-mib 1024] [--iperf-seconds 5] [--work <dir>]
 *
 * The exported functions are what bench/storage-throughput.test.ts calls at a few MiB (STYLE.md rule 12).
 */
import { crc32c } from '@node-rs/crc32';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { down, up } from '../infra/cluster/index.ts';
import { encodeChunkId, MgmtdClient } from '../infra/mgmtd/index.ts';
import type { ChainId } from '../infra/mgmtd/index.ts';
import { loadOrCreateClusterSecret, RpcClient } from '../infra/rpc/index.ts';
import { MgmtdRoutingSource, StorageClient } from '../storage/index.ts';

const run = promisify(execFile);
const MiB = 2 ** 20;
const KiB = 2 ** 10;
/** Throughput unit of every figure: MB/s = 10^6 bytes per second (fio's and iperf3's raw numbers are converted). */
const MB = 1e6;

export const STORAGE_BENCH_DEFAULTS = {
  clients: 4,
  /** Byte budget per chunk size. */
  budgets: [{ chunkBytes: MiB, budgetBytes: 512 * MiB }, { chunkBytes: 64 * KiB, budgetBytes: 128 * MiB }],
  fioBytes: 1024 * MiB,
  iperfSeconds: 5,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// The cluster

export interface StorageCluster {
  /** The chains of the cluster's chain table (three replicas each). */
  readonly chains: readonly ChainId[];
  /** A storage client of its own (own connections); closed with the cluster. */
  createClient(): StorageClient;
}

/**
 * Brings up the local stack in `dataDir` (no Temporal), runs `body`, and tears it down (`down`) also when `body`
 * throws. Put `dataDir` on the disk the raw-disk baseline measures.
 */
export async function withStorageCluster<T>(dataDir: string, body: (cluster: StorageCluster) => Promise<T>): Promise<T> {
  const clients: StorageClient[] = [];
  let rpc: RpcClient | null = null;
  let mgmtd: MgmtdClient | null = null;
  try {
    const stack = await up({ dataDir, temporal: false });
    const secret = await loadOrCreateClusterSecret(dataDir);
    rpc = RpcClient.create({ secret, timeoutMs: 5_000 });
    const addresses = stack.services.filter((s) => s.name.startsWith('mgmtd-')).map((s) => s.record!.address);
    mgmtd = MgmtdClient.create({ rpc, addresses, log: () => undefined });
    const routing = await mgmtd.refreshRouting();
    const source = new MgmtdRoutingSource(mgmtd);
    const chains = routing.chains.map((c) => c.chainId);
    if (chains.length === 0) throw new Error('the cluster has no chains');
    return await body({
      chains,
      createClient: () => {
        const client = StorageClient.create({ routing: source, rpc: { secret, timeoutMs: 60_000 } });
        clients.push(client);
        return client;
      },
    });
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await mgmtd?.close().catch(() => undefined);
    await rpc?.close().catch(() => undefined);
    await down(dataDir);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The workload

export interface ChunkWorkloadOptions {
  readonly chunkBytes: number;
  /** Bytes written (and then read); rounded up to whole chunks. */
  readonly budgetBytes: number;
  /** Concurrent writer loops, then as many reader loops; each loop has its own storage client. */
  readonly clients: number;
  /** The inode the chunk ids belong to; distinct per workload run on one cluster. */
  readonly inodeId: bigint;
}

export interface PhaseFigures {
  readonly seconds: number;
  readonly mbPerSec: number;
  readonly opsPerSec: number;
}

export interface ChunkThroughput {
  readonly chunkBytes: number;
  readonly clients: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly write: PhaseFigures;
  readonly read: PhaseFigures;
  /** Chunks that read back with another length or CRC32C than was written; 0 when the data is intact. */
  readonly corrupt: number;
}

/**
 * Writes `budgetBytes / chunkBytes` distinct chunks of random data with `clients` concurrent loops (each takes the
 * next chunk number, chains round-robin), then reads them all back with as many loops and checks each chunk's length
 * and CRC32C against the one computed when it was made.
 *
 * Chunk contents come from a random pool, made before the clock starts: chunk i is the pool at an offset that varies
 * with i, stamped with i in its first 8 bytes, so every chunk differs and making one costs one copy. Each chunk's
 * CRC32C is computed before the clock starts too (the chunk is made once for it and dropped), so the timed loops
 * spend their CPU on the storage path rather than on the benchmark's own bookkeeping; the storage client still
 * computes its own checksum of every chunk it sends.
 */
export async function measureChunkThroughput(cluster: StorageCluster, options: ChunkWorkloadOptions): Promise<ChunkThroughput> {
  const { chunkBytes, clients } = options;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 8) throw new Error(`chunkBytes must be an integer ≥ 8, got ${chunkBytes}`);
  if (!Number.isInteger(clients) || clients < 1) throw new Error(`clients must be a positive integer, got ${clients}`);
  const chunks = Math.max(1, Math.ceil(options.budgetBytes / chunkBytes));
  const pool = randomBytes(Math.min(chunks * chunkBytes, 16 * MiB) + chunkBytes);
  const slots = pool.length - chunkBytes + 1;
  const makeChunk = (i: number, data: Buffer): Buffer => {
    const at = (i * 4099) % slots;
    pool.copy(data, 0, at, at + chunkBytes);
    data.writeBigUInt64LE(BigInt(i), 0);
    return data;
  };
  const chainOf = (i: number): ChainId => cluster.chains[i % cluster.chains.length]!;
  const idOf = (i: number): Uint8Array => encodeChunkId(options.inodeId, i);
  const scratch = Buffer.allocUnsafe(chunkBytes);
  const crcs = Array.from({ length: chunks }, (_, i) => crc32c(makeChunk(i, scratch)));
  const storage = Array.from({ length: clients }, () => cluster.createClient());

  const inLoops = async (body: (client: StorageClient, i: number, buffer: Buffer) => Promise<void>): Promise<number> => {
    let next = 0;
    const started = performance.now();
    await Promise.all(storage.map(async (client) => {
      const buffer = Buffer.allocUnsafe(chunkBytes); // each loop writes from and reads into one buffer of its own
      for (let i = next++; i < chunks; i = next++) await body(client, i, buffer);
    }));
    return (performance.now() - started) / 1000;
  };

  const writeSeconds = await inLoops(async (client, i, buffer) => {
    const data = makeChunk(i, buffer);
    await client.write({ chainId: chainOf(i), chunkId: idOf(i), offset: 0, data });
  });
  let corrupt = 0;
  const readSeconds = await inLoops(async (client, i, into) => {
    const got = await client.read({ chainId: chainOf(i), chunkId: idOf(i), offset: 0, length: chunkBytes, into });
    // got.crc32c is the checksum of the bytes as they arrived (the client checks them against it).
    if (got.data.length !== chunkBytes || got.crc32c !== crcs[i]) corrupt++;
  });
  const bytes = chunks * chunkBytes;
  const figures = (seconds: number): PhaseFigures => ({ seconds, mbPerSec: bytes / MB / seconds, opsPerSec: chunks / seconds });
  return { chunkBytes, clients, chunks, bytes, write: figures(writeSeconds), read: figures(readSeconds), corrupt };
}

// ---------------------------------------------------------------------------------------------------------------
// Baselines

/** A baseline's throughput in MB/s, or why it was skipped (a missing tool, a failed run). */
export type Baseline = { readonly mbPerSec: number } | { readonly skipped: string };

export const isMeasured = (b: Baseline): b is { readonly mbPerSec: number } => 'mbPerSec' in b;

/**
 * Finds `tool` on PATH; when missing, tries `apt-get install -y <pkg>` (then `apt-get update` and once more).
 * Returns null when the tool is there, else why it is not.
 */
export async function ensureTool(tool: string, pkg: string = tool, log: (line: string) => void = () => undefined): Promise<string | null> {
  const found = async (): Promise<boolean> => run('sh', ['-c', `command -v ${tool}`]).then(() => true, () => false);
  if (await found()) return null;
  const install = (): Promise<string | null> =>
    run('apt-get', ['install', '-y', pkg], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 16 * MiB }).then(
      () => null,
      (err: unknown) => firstLines(err),
    );
  log(`${tool} is missing; apt-get install -y ${pkg}`);
  let why = await install();
  if (why !== null) {
    log(`install failed (${why}); apt-get update and again`);
    await run('apt-get', ['update'], { maxBuffer: 16 * MiB }).catch(() => undefined);
    why = await install();
  }
  if (why === null && (await found())) return null;
  return `${tool} is not installed and apt-get install ${pkg} failed: ${why ?? `no ${tool} on PATH after install`}`;
}

export interface FioOptions {
  /** Directory of the test file: the same disk as the cluster's data. */
  readonly dir: string;
  readonly sizeBytes: number;
  /** Install fio when missing (default true); false only looks. */
  readonly install?: boolean;
  readonly log?: (line: string) => void;
}

export interface DiskBaselines {
  /** What the write goal divides by: buffered 1 MiB writes, each followed by fdatasync (what a replica does). */
  readonly write: Baseline;
  /** What the read goal may divide by: O_DIRECT 1 MiB reads, the device's own rate. */
  readonly read: Baseline;
  /** Reference only: O_DIRECT 1 MiB writes with one fsync at the end, the device's streaming rate. */
  readonly streamWrite: Baseline;
}

/** The fio jobs, by what they measure; every one is sequential, 1 MiB blocks, psync, one job, one file. */
const FIO_JOBS = {
  write: ['--rw=write', '--direct=0', '--fdatasync=1'],
  read: ['--rw=read', '--direct=1'],
  streamWrite: ['--rw=write', '--direct=1', '--end_fsync=1'],
} as const;

/**
 * Raw sequential disk write, then read, then a streaming write, of one file in `dir`, with fio (`FIO_JOBS`), JSON
 * output. The file is removed afterwards.
 *
 * The write that the goal divides by is buffered with an fdatasync after every 1 MiB block, because that is what a
 * replica does per chunk (a buffered pwrite, then fdatasync before it acknowledges): comparing against O_DIRECT with
 * a single fsync at the end would measure a device that never waits for a flush. The read is O_DIRECT: the device's
 * read rate, not the page cache's.
 */
export async function measureDisk(options: FioOptions): Promise<DiskBaselines> {
  const missing = options.install === false ? await run('sh', ['-c', 'command -v fio']).then(() => null, () => 'fio is not installed')
    : await ensureTool('fio', 'fio', options.log);
  if (missing !== null) return { write: { skipped: missing }, read: { skipped: missing }, streamWrite: { skipped: missing } };
  const file = join(options.dir, 'fio-seq.bin');
  const size = Math.max(1, Math.ceil(options.sizeBytes / MiB));
  const fio = async (job: keyof typeof FIO_JOBS): Promise<Baseline> => {
    const rw = job === 'read' ? 'read' : 'write';
    try {
      const { stdout } = await run('fio', [
        `--name=${job}`, `--filename=${file}`, ...FIO_JOBS[job], '--bs=1M', `--size=${size}M`, '--ioengine=psync', '--output-format=json',
      ], { maxBuffer: 16 * MiB });
      const parsed = (JSON.parse(stdout) as { jobs?: { [k in 'read' | 'write']?: { bw_bytes?: number } }[] }).jobs?.[0];
      const bw = parsed?.[rw]?.bw_bytes;
      if (typeof bw !== 'number' || !(bw > 0)) return { skipped: `fio ${FIO_JOBS[job].join(' ')} reported no bandwidth` };
      return { mbPerSec: bw / MB };
    } catch (err) {
      return { skipped: `fio ${FIO_JOBS[job].join(' ')} failed: ${firstLines(err)}` };
    }
  };
  try {
    const write = await fio('write');
    const read = isMeasured(write) ? await fio('read') : { skipped: 'no file: the fio write failed' };
    rmSync(file, { force: true });
    const streamWrite = await fio('streamWrite');
    return { write, read, streamWrite };
  } finally {
    rmSync(file, { force: true });
  }
}

export interface TcpOptions {
  readonly seconds: number;
  readonly install?: boolean;
  readonly log?: (line: string) => void;
}

/** Loopback TCP: `iperf3 -s -1 -p <port>` and `iperf3 -c 127.0.0.1 -p <port> -t <seconds> -J`; the receiver's rate. */
export async function measureLoopbackTcp(options: TcpOptions): Promise<Baseline> {
  const missing = options.install === false ? await run('sh', ['-c', 'command -v iperf3']).then(() => null, () => 'iperf3 is not installed')
    : await ensureTool('iperf3', 'iperf3', options.log);
  if (missing !== null) return { skipped: missing };
  const port = await freePort();
  const server = spawn('iperf3', ['-s', '-1', '-p', String(port), '--forceflush'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const serverExit = new Promise<void>((done) => server.once('close', () => done()));
  try {
    // The server prints "Server listening on <port>" once bound (--forceflush: its stdout is a pipe, not a tty).
    const listening = await new Promise<boolean>((done) => {
      let out = '';
      const timer = setTimeout(() => done(false), 10_000);
      server.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('listening')) {
          clearTimeout(timer);
          done(true);
        }
      });
      server.once('close', () => {
        clearTimeout(timer);
        done(false);
      });
    });
    if (!listening) return { skipped: `iperf3 server did not start on port ${port}` };
    const { stdout } = await run('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', String(options.seconds), '-J'], { maxBuffer: 16 * MiB });
    const bits = (JSON.parse(stdout) as { end?: { sum_received?: { bits_per_second?: number } } }).end?.sum_received?.bits_per_second;
    if (typeof bits !== 'number' || !(bits > 0)) return { skipped: 'iperf3 reported no bandwidth' };
    return { mbPerSec: bits / 8 / MB };
  } catch (err) {
    return { skipped: `iperf3 failed: ${firstLines(err)}` };
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await serverExit;
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => done(port));
    });
  });
}

function firstLines(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr !== undefined && e.stderr.trim() !== '' ? e.stderr : e.message ?? String(err)).trim();
  return text.split('\n').slice(0, 3).join(' / ');
}

// ---------------------------------------------------------------------------------------------------------------
// Report

export interface StorageBenchReport {
  readonly runs: readonly ChunkThroughput[];
  readonly disk: DiskBaselines;
  readonly tcp: Baseline;
}

export interface GoalRatios {
  readonly chunkBytes: number;
  /** write MB/s ÷ (raw disk write ÷ 3); goal ≥ 0.5. NaN when the baseline was skipped. */
  readonly write: number;
  /** read MB/s ÷ min(raw disk read, loopback TCP), of those measured; goal ≥ 0.5. NaN when both were skipped. */
  readonly read: number;
  /** What the read ratio divides by. */
  readonly readBound: string;
  /** write MB/s ÷ (streaming disk write ÷ 3): the stricter reading of the write goal, printed beside it. */
  readonly writeVsStreaming: number;
}

export function goalRatios(report: StorageBenchReport): GoalRatios[] {
  const diskWrite = isMeasured(report.disk.write) ? report.disk.write.mbPerSec : NaN;
  const streamWrite = isMeasured(report.disk.streamWrite) ? report.disk.streamWrite.mbPerSec : NaN;
  const bounds = [
    ...(isMeasured(report.disk.read) ? [{ name: 'disk read', mbPerSec: report.disk.read.mbPerSec }] : []),
    ...(isMeasured(report.tcp) ? [{ name: 'loopback TCP', mbPerSec: report.tcp.mbPerSec }] : []),
  ].sort((a, b) => a.mbPerSec - b.mbPerSec);
  const bound = bounds[0];
  return report.runs.map((r) => ({
    chunkBytes: r.chunkBytes,
    write: r.write.mbPerSec / (diskWrite / 3),
    read: bound === undefined ? NaN : r.read.mbPerSec / bound.mbPerSec,
    readBound: bound?.name ?? '—',
    writeVsStreaming: r.write.mbPerSec / (streamWrite / 3),
  }));
}

export function formatReport(report: StorageBenchReport): string {
  const baseline = (b: Baseline): string => (isMeasured(b) ? fmt(b.mbPerSec, 1) : `skipped (${b.skipped})`);
  const lines: string[] = [];
  lines.push(table([
    ['chunk', 'clients', 'chunks', 'MiB', 'write MB/s', 'write ops/s', 'read MB/s', 'read ops/s', 'intact'],
    ...report.runs.map((r) => [
      size(r.chunkBytes), String(r.clients), String(r.chunks), fmt(r.bytes / MiB, 0),
      fmt(r.write.mbPerSec, 1), fmt(r.write.opsPerSec, 0), fmt(r.read.mbPerSec, 1), fmt(r.read.opsPerSec, 0),
      r.corrupt === 0 ? 'yes' : `NO (${r.corrupt} bad)`,
    ]),
  ]));
  lines.push('');
  lines.push('baselines (same run, MB/s = 10^6 B/s):');
  lines.push(`  raw disk write (fio, 1 MiB, buffered, fdatasync each)  ${baseline(report.disk.write)}`);
  lines.push(`  raw disk read  (fio, 1 MiB, O_DIRECT)                  ${baseline(report.disk.read)}`);
  lines.push(`  loopback TCP   (iperf3)                                ${baseline(report.tcp)}`);
  lines.push(`  reference only: streaming write (fio, 1 MiB, O_DIRECT, one fsync at the end)  ${baseline(report.disk.streamWrite)}`);
  lines.push('');
  for (const g of goalRatios(report)) {
    lines.push(`${size(g.chunkBytes).padStart(7)}: write / (disk write ÷ 3) = ${fmt(g.write)} (goal ≥ 0.5 ${verdict(g.write)})` +
      `   read / min(disk read, TCP) = ${fmt(g.read)} [${g.readBound}] (goal ≥ 0.5 ${verdict(g.read)})`);
    lines.push(`${''.padStart(7)}  write / (streaming write ÷ 3) = ${fmt(g.writeVsStreaming)} (the same goal against the device's streaming rate ${verdict(g.writeVsStreaming)})`);
  }
  return lines.join('\n');
}

const verdict = (ratio: number): string => (Number.isNaN(ratio) ? '—' : ratio >= 0.5 ? 'met' : 'MISSED');
const size = (bytes: number): string => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`);

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Main

export interface StorageBenchOptions {
  /** Parent of the run's temp dir, which holds the cluster's data and fio's file (so both are on one disk). */
  readonly work: string;
  readonly clients: number;
  readonly budgets: readonly { readonly chunkBytes: number; readonly budgetBytes: number }[];
  readonly fioBytes: number;
  readonly iperfSeconds: number;
  readonly log?: (line: string) => void;
}

/** The whole benchmark: baselines first (on an idle machine), then the cluster workloads. */
export async function runStorageBenchmark(options: StorageBenchOptions): Promise<StorageBenchReport> {
  const log = options.log ?? (() => undefined);
  mkdirSync(options.work, { recursive: true });
  const dir = mkdtempSync(join(options.work, 'fp-storage-bench-'));
  try {
    log(`fio: sequential write then read of ${size(options.fioBytes)} in ${dir}`);
    const disk = await measureDisk({ dir, sizeBytes: options.fioBytes, log });
    log(`iperf3: loopback TCP for ${options.iperfSeconds} s`);
    const tcp = await measureLoopbackTcp({ seconds: options.iperfSeconds, log });
    const dataDir = join(dir, 'cluster');
    log(`cluster: up in ${dataDir}`);
    const runs = await withStorageCluster(dataDir, async (cluster) => {
      const out: ChunkThroughput[] = [];
      for (const [n, b] of options.budgets.entries()) {
        log(`${size(b.chunkBytes)} chunks: ${size(b.budgetBytes)} by ${options.clients} clients`);
        out.push(await measureChunkThroughput(cluster, { ...b, clients: options.clients, inodeId: BigInt(1000 + n) }));
      }
      return out;
    });
    return { runs, disk, tcp };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.clients) },
      'mib-1m': { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.budgets[0].budgetBytes / MiB) },
      'mib-64k': { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.budgets[1].budgetBytes / MiB) },
      'fio-mib': { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.fioBytes / MiB) },
      'iperf-seconds': { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.iperfSeconds) },
      work: { type: 'string', default: tmpdir() },
    },
  });
  const say = (line: string): void => console.log(`[storage-bench] ${line}`);
  const report = await runStorageBenchmark({
    work: resolve(values.work),
    clients: Number(values.clients),
    budgets: [
      { chunkBytes: MiB, budgetBytes: Number(values['mib-1m']) * MiB },
      { chunkBytes: 64 * KiB, budgetBytes: Number(values['mib-64k']) * MiB },
    ],
    fioBytes: Number(values['fio-mib']) * MiB,
    iperfSeconds: Number(values['iperf-seconds']),
    log: say,
  });
  console.log('');
  console.log(formatReport(report));
  if (report.runs.some((r) => r.corrupt > 0)) process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
