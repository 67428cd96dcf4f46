/**
 * Storage throughput: chunks written and read through the storage client into the local cluster's 3-replica chains
 * (`up({ temporal: false })`: mgmtd ×2, storage ×3 with two targets each), by several concurrent clients with
 * several requests in flight each, at 1 MiB and 64 KiB chunks. Measured in the same run, on the same disk, before
 * the cluster starts, once per chunk size as fio's block size:
 *
 *   - raw sequential disk write, as a replica writes: fio, buffered, fdatasync after every block (a replica
 *     acknowledges a chunk only after its fdatasync), psync, one job, on a file beside the cluster's data;
 *   - raw sequential disk read: fio, O_DIRECT (the device, not the page cache), psync, one job;
 *   - for reference only, a streaming write: fio, O_DIRECT, one fsync at the end;
 *
 * and once, loopback TCP: iperf3 against 127.0.0.1.
 *
 * Goals (issue "File system core" §7), each chunk size against the disk baselines of its own block size: write ≥ 50%
 * of (raw disk write ÷ 3), since every byte lands on three replicas of the one disk; read ≥ 50% of min(raw disk
 * read, loopback TCP). Chunk sizes other than 1 MiB also print their ratios against the 1 MiB baselines.
 *
 *   node --import tsx bench/storage-throughput.ts [--clients 4] [--depth 8] [--mib-1m 512] [--mib-64k 128] [--fio-mib 1024] [--iperf-seconds 5] [--work <dir>]
 *
 * The parts live in bench/storage/ (cluster, workload, baselines, report); this file runs them in order. The
 * exported functions are what bench/storage-throughput.test.ts calls at a few MiB (STYLE.md rule 12).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DiskBaselines } from './storage/baselines.ts';
import { measureDisk, measureLoopbackTcp } from './storage/baselines.ts';
import { withStorageCluster } from './storage/cluster.ts';
import type { StorageBenchReport } from './storage/report.ts';
import { formatReport, formatSize } from './storage/report.ts';
import type { ChunkThroughput } from './storage/workload.ts';
import { measureChunkThroughput } from './storage/workload.ts';

export type { StorageCluster } from './storage/cluster.ts';
export { withStorageCluster } from './storage/cluster.ts';
export type { ChunkThroughput, ChunkWorkloadOptions, PhaseFigures } from './storage/workload.ts';
export { measureChunkThroughput } from './storage/workload.ts';
export type { Baseline, DiskBaselines, FioOptions, TcpOptions } from './storage/baselines.ts';
export { ensureTool, isMeasured, measureDisk, measureLoopbackTcp } from './storage/baselines.ts';
export type { GoalRatios, Ratios, StorageBenchReport } from './storage/report.ts';
export { formatReport, goalRatios } from './storage/report.ts';

const MiB = 2 ** 20;
const KiB = 2 ** 10;

export const STORAGE_BENCH_DEFAULTS = {
  clients: 4,
  /** Requests in flight per client (see `ChunkWorkloadOptions.depth`). */
  depth: 8,
  /** Byte budget per chunk size; each chunk size is also a block size of the disk baselines. */
  budgets: [{ chunkBytes: MiB, budgetBytes: 512 * MiB }, { chunkBytes: 64 * KiB, budgetBytes: 256 * MiB }],
  /** Written and read before each chunk size's clock starts (see `ChunkWorkloadOptions.warmupBytes`). */
  warmupBytes: 64 * MiB,
  /** Bytes of each fio job, at every block size. */
  fioBytes: 1024 * MiB,
  iperfSeconds: 5,
} as const;

export interface StorageBenchOptions {
  /** Parent of the run's temp dir, which holds the cluster's data and fio's file (so both are on one disk). */
  readonly work: string;
  readonly clients: number;
  readonly depth: number;
  readonly budgets: readonly { readonly chunkBytes: number; readonly budgetBytes: number }[];
  readonly warmupBytes: number;
  readonly fioBytes: number;
  readonly iperfSeconds: number;
  readonly log?: (line: string) => void;
}

/**
 * The whole benchmark: baselines first (on an idle machine): fio at each chunk size of `budgets`, then iperf3;
 * then the cluster workloads, one per budget.
 */
export async function runStorageBenchmark(options: StorageBenchOptions): Promise<StorageBenchReport> {
  const log = options.log ?? (() => undefined);
  mkdirSync(options.work, { recursive: true });
  const dir = mkdtempSync(join(options.work, 'fp-storage-bench-'));
  try {
    const disk: DiskBaselines[] = [];
    for (const blockBytes of new Set(options.budgets.map((b) => b.chunkBytes))) {
      log(`fio: ${formatSize(blockBytes)} blocks, sequential write, read, streaming write of ${formatSize(options.fioBytes)} in ${dir}`);
      disk.push(await measureDisk({ dir, sizeBytes: options.fioBytes, blockBytes, log }));
    }
    log(`iperf3: loopback TCP for ${options.iperfSeconds} s`);
    const tcp = await measureLoopbackTcp({ seconds: options.iperfSeconds, log });
    const dataDir = join(dir, 'cluster');
    log(`cluster: up in ${dataDir}`);
    const runs = await withStorageCluster(dataDir, async (cluster) => {
      const out: ChunkThroughput[] = [];
      for (const [n, b] of options.budgets.entries()) {
        log(`${formatSize(b.chunkBytes)} chunks: ${formatSize(b.budgetBytes)} by ${options.clients} clients × ${options.depth} in flight, after ${formatSize(options.warmupBytes)} of warm-up`);
        out.push(await measureChunkThroughput(cluster, { ...b, clients: options.clients, depth: options.depth, warmupBytes: options.warmupBytes, inodeId: BigInt(1000 + n) }));
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
      depth: { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.depth) },
      'mib-1m': { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.budgets[0].budgetBytes / MiB) },
      'mib-64k': { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.budgets[1].budgetBytes / MiB) },
      'warmup-mib': { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.warmupBytes / MiB) },
      'fio-mib': { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.fioBytes / MiB) },
      'iperf-seconds': { type: 'string', default: String(STORAGE_BENCH_DEFAULTS.iperfSeconds) },
      work: { type: 'string', default: tmpdir() },
    },
  });
  const say = (line: string): void => console.log(`[storage-bench] ${line}`);
  const report = await runStorageBenchmark({
    work: resolve(values.work),
    clients: Number(values.clients),
    depth: Number(values.depth),
    budgets: [
      { chunkBytes: MiB, budgetBytes: Number(values['mib-1m']) * MiB },
      { chunkBytes: 64 * KiB, budgetBytes: Number(values['mib-64k']) * MiB },
    ],
    warmupBytes: Number(values['warmup-mib']) * MiB,
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
