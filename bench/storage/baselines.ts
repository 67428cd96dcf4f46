/**
 * The storage benchmark's baselines, measured in the same run on the same machine: raw disk with fio (per block
 * size) and loopback TCP with iperf3. A missing tool is installed with apt-get; a baseline that still cannot be
 * measured says why instead of failing the run.
 */
import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MiB = 2 ** 20;
/** Throughput unit of every figure: MB/s = 10^6 bytes per second (fio's and iperf3's raw numbers are converted). */
const MB = 1e6;

/** A baseline's throughput in MB/s, or why it was skipped (a missing tool, a failed run). */
export type Baseline = { readonly mbPerSec: number } | { readonly skipped: string };

export const isMeasured = (b: Baseline): b is { readonly mbPerSec: number } => 'mbPerSec' in b;

// ---------------------------------------------------------------------------------------------------------------
// Tools

const onPath = (tool: string): Promise<boolean> => run('sh', ['-c', `command -v ${tool}`]).then(() => true, () => false);

/**
 * Finds `tool` on PATH; when missing, tries `apt-get install -y <pkg>` (then `apt-get update` and once more).
 * Returns null when the tool is there, else why it is not.
 */
export async function ensureTool(tool: string, pkg: string = tool, log: (line: string) => void = () => undefined): Promise<string | null> {
  if (await onPath(tool)) return null;
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
  if (why === null && (await onPath(tool))) return null;
  return `${tool} is not installed and apt-get install ${pkg} failed: ${why ?? `no ${tool} on PATH after install`}`;
}

/** `ensureTool`, or with `install: false` only a look on PATH (what the test does: it never installs). */
async function findTool(tool: string, options: { readonly install?: boolean; readonly log?: (line: string) => void }): Promise<string | null> {
  if (options.install !== false) return ensureTool(tool, tool, options.log);
  return (await onPath(tool)) ? null : `${tool} is not installed`;
}

/** The first lines of a failed command's stderr (or of the error's message), on one line. */
function firstLines(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr !== undefined && e.stderr.trim() !== '' ? e.stderr : e.message ?? String(err)).trim();
  return text.split('\n').slice(0, 3).join(' / ');
}

// ---------------------------------------------------------------------------------------------------------------
// Disk

export interface FioOptions {
  /** Directory of the test file: the same disk as the cluster's data. */
  readonly dir: string;
  /** Bytes each job moves; rounded up to whole blocks. */
  readonly sizeBytes: number;
  /** fio's `--bs`: the chunk size these baselines are compared with. A multiple of 4 KiB (O_DIRECT). */
  readonly blockBytes: number;
  /** Install fio when missing (default true); false only looks. */
  readonly install?: boolean;
  readonly log?: (line: string) => void;
}

/** The raw-disk baselines at one block size. */
export interface DiskBaselines {
  readonly blockBytes: number;
  /** What the write goal divides by: buffered writes, each block followed by fdatasync (what a replica does). */
  readonly write: Baseline;
  /** What the read goal may divide by: O_DIRECT reads, the device's own rate. */
  readonly read: Baseline;
  /** Reference only: O_DIRECT writes with one fsync at the end, the device's streaming rate. */
  readonly streamWrite: Baseline;
}

/** The fio jobs, by what they measure; every one is sequential, `--bs=<blockBytes>`, psync, one job, one file. */
const FIO_JOBS = {
  write: ['--rw=write', '--direct=0', '--fdatasync=1'],
  read: ['--rw=read', '--direct=1'],
  streamWrite: ['--rw=write', '--direct=1', '--end_fsync=1'],
} as const;

/**
 * Raw sequential disk write, then read, then a streaming write, of one file in `dir`, with fio (`FIO_JOBS`) at
 * `blockBytes` blocks, JSON output. The file is removed afterwards.
 *
 * The write that the goal divides by is buffered with an fdatasync after every block, because that is what a replica
 * does per chunk (a buffered pwrite, then fdatasync before it acknowledges): comparing against O_DIRECT with a single
 * fsync at the end would measure a device that never waits for a flush. The block size is the chunk size, so a
 * 64 KiB chunk write is compared with 64 KiB disk writes, each paying its own fdatasync, as the chunk does. The read
 * is O_DIRECT: the device's read rate, not the page cache's.
 */
export async function measureDisk(options: FioOptions): Promise<DiskBaselines> {
  const { blockBytes } = options;
  if (!Number.isInteger(blockBytes) || blockBytes <= 0 || blockBytes % 4096 !== 0) {
    throw new Error(`blockBytes must be a positive multiple of 4096 (O_DIRECT), got ${blockBytes}`);
  }
  const missing = await findTool('fio', options);
  if (missing !== null) return { blockBytes, write: { skipped: missing }, read: { skipped: missing }, streamWrite: { skipped: missing } };
  const file = join(options.dir, `fio-seq-${blockBytes}.bin`);
  const sizeBytes = Math.max(1, Math.ceil(options.sizeBytes / blockBytes)) * blockBytes;
  const fio = async (job: keyof typeof FIO_JOBS): Promise<Baseline> => {
    const rw = job === 'read' ? 'read' : 'write';
    const flags = `${FIO_JOBS[job].join(' ')} --bs=${blockBytes}`;
    try {
      const { stdout } = await run('fio', [
        `--name=${job}`, `--filename=${file}`, ...FIO_JOBS[job], `--bs=${blockBytes}`, `--size=${sizeBytes}`, '--ioengine=psync',
        '--output-format=json',
      ], { maxBuffer: 16 * MiB });
      const parsed = (JSON.parse(stdout) as { jobs?: { [k in 'read' | 'write']?: { bw_bytes?: number } }[] }).jobs?.[0];
      const bw = parsed?.[rw]?.bw_bytes;
      if (typeof bw !== 'number' || !(bw > 0)) return { skipped: `fio ${flags} reported no bandwidth` };
      return { mbPerSec: bw / MB };
    } catch (err) {
      return { skipped: `fio ${flags} failed: ${firstLines(err)}` };
    }
  };
  try {
    const write = await fio('write');
    const read = isMeasured(write) ? await fio('read') : { skipped: 'no file: the fio write failed' };
    rmSync(file, { force: true });
    const streamWrite = await fio('streamWrite');
    return { blockBytes, write, read, streamWrite };
  } finally {
    rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Loopback TCP

export interface TcpOptions {
  readonly seconds: number;
  readonly install?: boolean;
  readonly log?: (line: string) => void;
}

/** Loopback TCP: `iperf3 -s -1 -p <port>` and `iperf3 -c 127.0.0.1 -p <port> -t <seconds> -J`; the receiver's rate. */
export async function measureLoopbackTcp(options: TcpOptions): Promise<Baseline> {
  const missing = await findTool('iperf3', options);
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

/** A port nobody listens on right now (bound on port 0, then released) for the iperf3 server. */
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
