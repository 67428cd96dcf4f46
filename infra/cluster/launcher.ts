/**
 * Starts and stops the long-running service processes of a data directory. Each service owns
 * `<dataDir>/services/<name>/`: the process writes its own `<name>.pid` and `<name>.log` there; the launcher adds
 * `<name>.out` (stdout and stderr, where the JSON ready line appears) and `service.json` (pid, address and metrics
 * address), which is
 * how a later `up`, `down` or `status` finds it.
 *
 *   const record = await startService({ dataDir, name: 'mgmtd-1', script: MGMTD_SCRIPT, args: [...] });
 *   await stopService(dataDir, 'mgmtd-1');
 *
 * Processes run detached in their own process group, so they outlive the command that started them.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeneralError } from '../errors.ts';
import { isProcessAlive } from '../temporal/index.ts';

/** The repository root: services run `node --import tsx <script>` from here. */
const ROOT = join(import.meta.dirname, '..', '..');

export const LAUNCHER_DEFAULTS = {
  readyTimeoutMs: 30_000,
  /** How long a SIGTERM gets before SIGKILL. */
  stopTimeoutMs: 10_000,
} as const;

export interface ServiceSpec {
  readonly dataDir: string;
  readonly name: string;
  /** The process entry, relative to the repository root (`storage/main.ts`). */
  readonly script: string;
  /** Arguments after the script; `serviceDir(dataDir, name)` is where the service keeps its files. */
  readonly args: readonly string[];
  readonly readyTimeoutMs?: number;
}

export interface ServiceRecord {
  readonly name: string;
  readonly pid: number;
  /** `host:port` from the ready line. */
  readonly address: string;
  /** `host:port` of the service's Prometheus exporter (`/metrics`), from the ready line; null when it has none. */
  readonly metricsAddress: string | null;
  readonly logPath: string;
  readonly startedAt: string;
  /** The arguments it was started with (after the script). */
  readonly args: readonly string[];
}

export type ServiceState = 'running' | 'stopped' | 'crashed';

export interface ServiceStatus {
  readonly name: string;
  readonly state: ServiceState;
  /** The record of a running or crashed service; null when it is stopped. */
  readonly record: ServiceRecord | null;
}

export function serviceDir(dataDir: string, name: string): string {
  return join(dataDir, 'services', name);
}

const recordPath = (dataDir: string, name: string): string => join(serviceDir(dataDir, name), 'service.json');

export function readServiceRecord(dataDir: string, name: string): ServiceRecord | null {
  try {
    return JSON.parse(readFileSync(recordPath(dataDir, name), 'utf8')) as ServiceRecord;
  } catch {
    return null;
  }
}

/** Every service that has a record in the data dir, sorted by name. */
export function listServiceNames(dataDir: string): string[] {
  const root = join(dataDir, 'services');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(recordPath(dataDir, e.name)))
    .map((e) => e.name)
    .sort();
}

export function serviceStatus(dataDir: string, name: string): ServiceStatus {
  const record = readServiceRecord(dataDir, name);
  if (record === null) return { name, state: 'stopped', record: null };
  return { name, state: isProcessAlive(record.pid) ? 'running' : 'crashed', record };
}

/** Spawns the service and waits for its ready line; the record is written once it is ready. */
export async function startService(spec: ServiceSpec): Promise<ServiceRecord> {
  const dir = serviceDir(spec.dataDir, spec.name);
  mkdirSync(dir, { recursive: true });
  const outPath = join(dir, `${spec.name}.out`);
  const out = openSync(outPath, 'w');
  // Set by the child's exit event (a holder: TS cannot see assignments made inside callbacks).
  const exit: { status: string | null } = { status: null };
  let pid: number | undefined;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, spec.script), ...spec.args], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.once('exit', (code, signal) => (exit.status = String(code ?? signal)));
    child.once('error', (err) => (exit.status = err.message));
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(out);
  }
  const timeoutMs = spec.readyTimeoutMs ?? LAUNCHER_DEFAULTS.readyTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = readyLine(outPath);
    if (ready !== null && pid !== undefined) {
      const record: ServiceRecord = {
        name: spec.name,
        pid,
        address: ready.address,
        metricsAddress: ready.metricsAddress,
        logPath: join(dir, `${spec.name}.log`),
        startedAt: new Date().toISOString(),
        args: spec.args,
      };
      writeFileSync(recordPath(spec.dataDir, spec.name), `${JSON.stringify(record, null, 2)}\n`);
      return record;
    }
    if (exit.status !== null || pid === undefined) {
      throw GeneralError.SERVER_UNAVAILABLE(`${spec.name} exited (${exit.status ?? 'spawn failed'}) before it was ready: ${tail(outPath)}`);
    }
    if (Date.now() > deadline) {
      signalGroup(pid, 'SIGKILL');
      throw GeneralError.SERVER_UNAVAILABLE(`${spec.name} was not ready within ${timeoutMs} ms: ${tail(outPath)}`);
    }
    await sleep(50);
  }
}

/**
 * Stops a service: SIGTERM to its process group, SIGKILL after `stopTimeoutMs`; then removes its record and pid
 * file (also those a crashed process left). True when a live process was stopped.
 */
export async function stopService(dataDir: string, name: string, stopTimeoutMs: number = LAUNCHER_DEFAULTS.stopTimeoutMs): Promise<boolean> {
  const record = readServiceRecord(dataDir, name);
  let stopped = false;
  if (record !== null && isProcessAlive(record.pid)) {
    signalGroup(record.pid, 'SIGTERM');
    const deadline = Date.now() + stopTimeoutMs;
    while (isProcessAlive(record.pid) && Date.now() < deadline) await sleep(50);
    if (isProcessAlive(record.pid)) signalGroup(record.pid, 'SIGKILL');
    while (isProcessAlive(record.pid)) await sleep(20);
    stopped = true;
  }
  rmSync(recordPath(dataDir, name), { force: true });
  rmSync(join(serviceDir(dataDir, name), `${name}.pid`), { force: true });
  return stopped;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the whole group: the service was started detached
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function readyLine(outPath: string): { address: string; metricsAddress: string | null } | null {
  let text: string;
  try {
    text = readFileSync(outPath, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as { ready?: unknown; address?: unknown; metricsAddress?: unknown };
      if (parsed.ready === true && typeof parsed.address === 'string') {
        return { address: parsed.address, metricsAddress: typeof parsed.metricsAddress === 'string' ? parsed.metricsAddress : null };
      }
    } catch {
      // not the ready line
    }
  }
  return null;
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000);
  } catch {
    return '(no output)';
  }
}
