import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GeneralError } from '../errors.ts';
import { isServerHealthy, waitForServer } from './health.ts';
import { findTemporalBinary } from './paths.ts';

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface DevServerOptions {
  /** Data directory; the server keeps its SQLite file, log and pid file in `<dataDir>/temporal/`. */
  readonly dataDir: string;
  /** gRPC port (7233 by default; 0 picks a free one). */
  readonly port?: number;
  /** Web UI port (8233 by default); null runs headless. */
  readonly uiPort?: number | null;
  /** Bind address; loopback unless told otherwise. */
  readonly ip?: string;
  readonly searchAttributes?: readonly { readonly name: string; readonly type: SearchAttributeType }[];
  /** Extra `--dynamic-config-value KEY=VALUE` settings (tests lower history limits with these). */
  readonly dynamicConfig?: Readonly<Record<string, string | number | boolean>>;
  /** Keep state in memory instead of the SQLite file (throw-away servers for test runs). */
  readonly ephemeral?: boolean;
  readonly startTimeoutMs?: number;
}

/** What `<dataDir>/temporal/server.json` records about a running server. */
export interface DevServerInfo {
  readonly pid: number;
  readonly address: string;
  readonly uiUrl: string | null;
  readonly logPath: string;
}

export const DEV_SERVER_DEFAULTS = { port: 7233, uiPort: 8233, ip: '127.0.0.1', startTimeoutMs: 60_000 } as const;

/**
 * Dynamic config we always pass. The dev server has one history shard whose transfer-queue reader polls 20 times a
 * second by default, so every workflow and activity task waits for a ~50 ms tick; measured in bench/task-overhead.ts,
 * raising the poll rate cut the median per-task overhead from 46.6 ms to 13.2 ms.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, number>> = {
  'history.transferProcessorMaxPollRPS': 1000,
};

function serverDir(dataDir: string): string {
  return join(dataDir, 'temporal');
}

function infoPath(dataDir: string): string {
  return join(serverDir(dataDir), 'server.json');
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The server recorded for this data dir, when its process still lives; stale records are removed. */
export function readDevServerInfo(dataDir: string): DevServerInfo | null {
  let info: DevServerInfo;
  try {
    info = JSON.parse(readFileSync(infoPath(dataDir), 'utf8')) as DevServerInfo;
  } catch {
    return null;
  }
  if (isProcessAlive(info.pid)) return info;
  rmSync(infoPath(dataDir), { force: true });
  return null;
}

/** True when nothing listens on ip:port (we can bind it ourselves). */
async function isPortFree(ip: string, port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolveFree) => {
    const srv = createServer();
    srv.once('error', () => resolveFree(false));
    srv.listen(port, ip, () => srv.close(() => resolveFree(true)));
  });
}

async function freePort(ip: string): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, ip, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts (or reuses) the Temporal CLI dev server of a data directory. The process is detached so it outlives the
 * caller (`firepond down` stops it); its output goes to `<dataDir>/temporal/server.log`.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServerInfo & { readonly reused: boolean }> {
  const existing = readDevServerInfo(options.dataDir);
  if (existing !== null && (await isServerHealthy(existing.address))) return { ...existing, reused: true };

  const binary = findTemporalBinary();
  if (binary === null) {
    throw GeneralError.SETUP_MISSING(
      'the Temporal CLI is not installed; run `npm run setup` (it builds github.com/temporalio/cli@v1.5.1 with go install)',
    );
  }
  const ip = options.ip ?? DEV_SERVER_DEFAULTS.ip;
  const port = options.port === 0 ? await freePort(ip) : (options.port ?? DEV_SERVER_DEFAULTS.port);
  const uiPort = options.uiPort === undefined ? DEV_SERVER_DEFAULTS.uiPort : options.uiPort;
  // Another server on our port would answer our health checks and pass for ours.
  for (const [what, p] of [['gRPC', port], ['Web UI', uiPort]] as const) {
    if (p !== null && !(await isPortFree(ip, p))) {
      throw GeneralError.SERVER_UNAVAILABLE(
        `${what} port ${ip}:${p} is already in use by another process; stop it, or choose another port (--port / --ui-port)`,
      );
    }
  }
  const dir = serverDir(options.dataDir);
  mkdirSync(dir, { recursive: true });

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', 'warn'];
  if (options.ephemeral !== true) args.push('--db-filename', join(dir, 'temporal.db'));
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-ip', ip);
  for (const sa of options.searchAttributes ?? []) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  for (const [key, value] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig })) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  const logPath = join(dir, 'server.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw GeneralError.SERVER_UNAVAILABLE(`could not start ${binary}; see ${logPath}`);
  let exited = false;
  child.once('exit', () => (exited = true));
  child.unref();

  const address = `${ip}:${port}`;
  await waitForServer(address, {
    timeoutMs: options.startTimeoutMs ?? DEV_SERVER_DEFAULTS.startTimeoutMs,
    isAlive: () => !exited,
    logPath,
  });
  const info: DevServerInfo = { pid, address, uiUrl: uiPort === null ? null : `http://${ip}:${uiPort}`, logPath };
  writeFileSync(infoPath(options.dataDir), JSON.stringify(info, null, 2));
  return { ...info, reused: false };
}

/** Stops the data dir's server: SIGTERM, then SIGKILL after `graceMs`. Returns false when none was running. */
export async function stopDevServer(dataDir: string, graceMs = 10_000): Promise<boolean> {
  const info = readDevServerInfo(dataDir);
  if (info === null) return false;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-info.pid, sig); // the whole process group: the server was started detached
    } catch {
      try {
        process.kill(info.pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isProcessAlive(info.pid)) signal('SIGKILL');
  rmSync(infoPath(dataDir), { force: true });
  return true;
}
