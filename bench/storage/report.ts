/**
 * The storage benchmark's report: the goal ratios (each chunk size against disk baselines of its own block size)
 * and the printed table, baselines and ratio lines.
 */
import type { Baseline, DiskBaselines } from './baselines.ts';
import { isMeasured } from './baselines.ts';
import type { ChunkThroughput } from './workload.ts';

const MiB = 2 ** 20;
const KiB = 2 ** 10;
/** The block size of the reference line printed under every other chunk size: the goals' historical baseline. */
const REFERENCE_BLOCK_BYTES = MiB;

export interface StorageBenchReport {
  readonly runs: readonly ChunkThroughput[];
  /** Raw-disk baselines, one per block size (each chunk size of the runs). */
  readonly disk: readonly DiskBaselines[];
  readonly tcp: Baseline;
}

/** One run's throughput against the disk baselines of one block size. NaN where a baseline was skipped. */
export interface Ratios {
  /** The block size of the disk baselines divided by. */
  readonly blockBytes: number;
  /** write MB/s ÷ (raw disk write ÷ 3); goal ≥ 0.5. */
  readonly write: number;
  /** read MB/s ÷ min(raw disk read, loopback TCP), of those measured; goal ≥ 0.5. */
  readonly read: number;
  /** What the read ratio divides by. */
  readonly readBound: string;
  /** write MB/s ÷ (streaming disk write ÷ 3): the stricter reading of the write goal, printed beside it. */
  readonly writeVsStreaming: number;
}

/** The goal ratios of one chunk size: against baselines of the same block size, plus the 1 MiB reference. */
export interface GoalRatios extends Ratios {
  readonly chunkBytes: number;
  /** The same run against the 1 MiB baselines, for reference; null when the chunk size is 1 MiB. */
  readonly reference: Ratios | null;
}

export function goalRatios(report: StorageBenchReport): GoalRatios[] {
  return report.runs.map((r) => ({
    chunkBytes: r.chunkBytes,
    ...ratiosAgainst(r, diskAt(report, r.chunkBytes), report.tcp),
    reference: r.chunkBytes === REFERENCE_BLOCK_BYTES ? null : ratiosAgainst(r, diskAt(report, REFERENCE_BLOCK_BYTES), report.tcp),
  }));
}

/** The disk baselines at `blockBytes`, or all skipped when none were measured at that size. */
function diskAt(report: StorageBenchReport, blockBytes: number): DiskBaselines {
  const found = report.disk.find((d) => d.blockBytes === blockBytes);
  if (found !== undefined) return found;
  const skipped = { skipped: `not measured at ${formatSize(blockBytes)} blocks` };
  return { blockBytes, write: skipped, read: skipped, streamWrite: skipped };
}

function ratiosAgainst(run: ChunkThroughput, disk: DiskBaselines, tcp: Baseline): Ratios {
  const rate = (b: Baseline): number => (isMeasured(b) ? b.mbPerSec : NaN);
  const bounds = [
    ...(isMeasured(disk.read) ? [{ name: 'disk read', mbPerSec: disk.read.mbPerSec }] : []),
    ...(isMeasured(tcp) ? [{ name: 'loopback TCP', mbPerSec: tcp.mbPerSec }] : []),
  ].sort((a, b) => a.mbPerSec - b.mbPerSec);
  const bound = bounds[0];
  return {
    blockBytes: disk.blockBytes,
    write: run.write.mbPerSec / (rate(disk.write) / 3),
    read: bound === undefined ? NaN : run.read.mbPerSec / bound.mbPerSec,
    readBound: bound?.name ?? '—',
    writeVsStreaming: run.write.mbPerSec / (rate(disk.streamWrite) / 3),
  };
}

export function formatReport(report: StorageBenchReport): string {
  const lines: string[] = [];
  lines.push(table([
    ['chunk', 'clients×depth', 'chunks', 'MiB', 'write MB/s', 'write ops/s', 'read MB/s', 'read ops/s', 'intact'],
    ...report.runs.map((r) => [
      formatSize(r.chunkBytes), `${r.clients}×${r.depth}`, String(r.chunks), fmt(r.bytes / MiB, 0),
      fmt(r.write.mbPerSec, 1), fmt(r.write.opsPerSec, 0), fmt(r.read.mbPerSec, 1), fmt(r.read.opsPerSec, 0),
      r.corrupt === 0 ? 'yes' : `NO (${r.corrupt} bad)`,
    ]),
  ]));
  lines.push('');
  lines.push('baselines (same run, MB/s = 10^6 B/s):');
  lines.push(...labelled(baselineLines(report)));
  lines.push('');
  lines.push(...labelled(ratioLines(goalRatios(report))));
  return lines.join('\n');
}

/** Each baseline as [label, value], the disk ones per block size. */
function baselineLines(report: StorageBenchReport): [string, string][] {
  const value = (b: Baseline): string => (isMeasured(b) ? fmt(b.mbPerSec, 1) : `skipped (${b.skipped})`);
  return [
    ...report.disk.flatMap((d): [string, string][] => {
      const bs = `${formatSize(d.blockBytes)} blocks`;
      return [
        [`  raw disk write, ${bs} (fio, buffered, fdatasync each)`, value(d.write)],
        [`  raw disk read,  ${bs} (fio, O_DIRECT)`, value(d.read)],
        [`  reference only: streaming write, ${bs} (fio, O_DIRECT, one fsync at the end)`, value(d.streamWrite)],
      ];
    }),
    ['  loopback TCP (iperf3)', value(report.tcp)],
  ];
}

/**
 * Per chunk size: the goals against baselines of its own block size, the streaming-write reading below, and for
 * chunks other than 1 MiB a reference line against the 1 MiB baselines.
 */
function ratioLines(ratios: readonly GoalRatios[]): [string, string][] {
  return ratios.flatMap((g): [string, string][] => {
    const chunk = `${formatSize(g.chunkBytes)} chunks`;
    const lines: [string, string][] = [
      [`${chunk}, ${formatSize(g.blockBytes)} blocks:`,
        `write / (disk write ÷ 3) = ${fmt(g.write)} (goal ≥ 0.5 ${verdict(g.write)})` +
        `   read / min(disk read, TCP) = ${fmt(g.read)} [${g.readBound}] (goal ≥ 0.5 ${verdict(g.read)})`],
      ['', `write / (streaming write ÷ 3) = ${fmt(g.writeVsStreaming)} (the same goal against the device's streaming rate ${verdict(g.writeVsStreaming)})`],
    ];
    const ref = g.reference;
    if (ref !== null) {
      lines.push([`${chunk}, ${formatSize(ref.blockBytes)} blocks (reference):`,
        `write / (disk write ÷ 3) = ${fmt(ref.write)}   read / min(disk read, TCP) = ${fmt(ref.read)} [${ref.readBound}]` +
        `   write / (streaming write ÷ 3) = ${fmt(ref.writeVsStreaming)}`]);
    }
    return lines;
  });
}

/** "1 MiB", "64 KiB": chunk and block sizes as the report and the log print them. */
export const formatSize = (bytes: number): string => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`);

const verdict = (ratio: number): string => (Number.isNaN(ratio) ? '—' : ratio >= 0.5 ? 'met' : 'MISSED');

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

/** Label and value pairs as lines, the values aligned after the longest label. */
function labelled(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}
