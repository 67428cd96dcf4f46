/**
 * The mgmtd process:
 *
 *   node --import tsx infra/mgmtd/server.ts --data-dir D [--host 127.0.0.1] [--port 0] [--kv lmdb:PATH | memory]
 *        [--peers host:port,...] [--name mgmtd] [--lease-ms 10000] [--failure-interval-ms 30000]
 *        [--secret-dir DIR] [--metrics-port 0|PORT|off]
 *
 * Writes `<name>.pid` and appends to `<name>.log` in the data dir, authenticates clients with the cluster secret of
 * `--secret-dir` (the data dir by default; `firepond up` gives each service its own dir under one cluster dir),
 * and prints one JSON line `{"ready":true,"address":"host:port","pid":N,"metricsAddress":"host:port"|null}` on stdout
 * once it listens (how launchers learn a port-0 address); Prometheus metrics are served on loopback at
 * `http://<metricsAddress>/metrics`. Two processes given the same LMDB path elect a primary through the lease.
 * SIGTERM/SIGINT shut down cleanly (releasing the lease); the pid file is removed then.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GeneralError } from '../errors.ts';
import { openKvEngine } from '../kv/index.ts';
import type { KvConfig } from '../kv/index.ts';
import { formatAddress, loadOrCreateClusterSecret, RpcServer } from '../rpc/index.ts';
import { parseMetricsPort, ServiceMetrics } from '../metrics/index.ts';
import { registerMgmtdMetrics } from './metrics.ts';
import { MgmtdService } from './protocol.ts';
import { Mgmtd, MGMTD_DEFAULTS } from './service/mgmtd.ts';

function parseKv(text: string, dataDir: string): KvConfig {
  if (text === 'memory') return { engine: 'memory' };
  if (text.startsWith('lmdb:')) return { engine: 'lmdb', path: resolve(text.slice('lmdb:'.length)) };
  if (text.startsWith('fdb:')) return { engine: 'foundationdb', clusterFile: resolve(text.slice('fdb:'.length)) };
  if (text === 'lmdb') return { engine: 'lmdb', path: join(dataDir, 'kv') };
  throw GeneralError.INVALID_ARGUMENT(`--kv must be memory, lmdb, lmdb:PATH or fdb:CLUSTER_FILE, got ${text}`);
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw GeneralError.INVALID_ARGUMENT(`--port must be an integer in 0-65535, got ${text}`);
  return n;
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw GeneralError.INVALID_ARGUMENT(`--${name} must be a positive integer, got ${text}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      kv: { type: 'string', default: 'lmdb' },
      peers: { type: 'string', default: '' },
      name: { type: 'string', default: 'mgmtd' },
      'lease-ms': { type: 'string' },
      'failure-interval-ms': { type: 'string' },
      'secret-dir': { type: 'string' },
      'metrics-port': { type: 'string', default: '0' },
    },
    strict: true,
  });
  const dataDir = values['data-dir'];
  if (dataDir === undefined) throw GeneralError.INVALID_ARGUMENT('--data-dir is required');
  await mkdir(dataDir, { recursive: true });
  const name = values.name;
  const logStream = createWriteStream(join(dataDir, `${name}.log`), { flags: 'a' });
  const log = (message: string): void => void logStream.write(`${new Date().toISOString()} ${message}\n`);

  const secret = await loadOrCreateClusterSecret(values['secret-dir'] ?? dataDir);
  const kv = await openKvEngine(parseKv(values.kv, dataDir));
  const metrics = await ServiceMetrics.create({ service: name, port: parseMetricsPort(values['metrics-port']) });
  const server = await RpcServer.create({
    secret,
    metrics: metrics.rpc,
    host: values.host,
    port: port(values.port),
    logger: { warn: (message, fields) => log(`rpc: ${message}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`) },
  });
  const address = formatAddress(server.address);
  const mgmtd = await Mgmtd.create({
    kv,
    address,
    peers: values.peers.split(',').filter((p) => p.length > 0 && p !== address),
    leaseMs: positiveInt('lease-ms', values['lease-ms'], MGMTD_DEFAULTS.leaseMs),
    failureIntervalMs: positiveInt('failure-interval-ms', values['failure-interval-ms'], MGMTD_DEFAULTS.failureIntervalMs),
    log,
  });
  server.register(MgmtdService, mgmtd.handlers());
  registerMgmtdMetrics(metrics.registry, mgmtd);
  mgmtd.start();
  const pidFile = join(dataDir, `${name}.pid`);
  await writeFile(pidFile, `${process.pid}\n`);
  log(`listening on ${address} (pid ${process.pid}, kv ${kv.name}, metrics ${metrics.address === null ? 'off' : `http://${metrics.address}/metrics`})`);
  process.stdout.write(`${JSON.stringify({ ready: true, address, pid: process.pid, metricsAddress: metrics.address })}\n`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await mgmtd.close();
    await server.close();
    await metrics.close();
    await kv.close();
    await rm(pidFile, { force: true });
    logStream.end(() => process.exit(0));
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(signal));
}

main().catch((err: unknown) => {
  console.error(`[mgmtd] failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
