/**
 * The storage process:
 *
 *   node --import tsx storage/main.ts --data-dir D --node-id N --targets DIR1,DIR2 --mgmtd HOST:PORT,...
 *        [--host 127.0.0.1] [--port 0] [--name storage-N] [--heartbeat-ms 1000] [--secret-dir DIR]
 *        [--metrics-port 0|PORT|off]
 *
 * Serves one target per `--targets` dir (target ids `N001`, `N002`, … by position, as `generateChainTable` names
 * them), registers with mgmtd, heartbeats its targets' local states, and routes by the snapshots mgmtd sends back.
 * Writes `<name>.pid` and appends to `<name>.log` in the data dir, authenticates with the cluster secret of
 * `--secret-dir` (the data dir by default), and prints one JSON line `{"ready":true,"address":"host:port","pid":N}`
 * on stdout once it is registered, with `"metricsAddress":"host:port"` (null with `--metrics-port off`): Prometheus
 * metrics at `http://<metricsAddress>/metrics` on loopback. SIGTERM/SIGINT shut down cleanly; the pid file is removed then.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GeneralError } from '../infra/errors.ts';
import { MgmtdClient, targetIdOf } from '../infra/mgmtd/index.ts';
import { formatAddress, loadOrCreateClusterSecret, RpcClient } from '../infra/rpc/index.ts';
import { parseMetricsPort, ServiceMetrics } from '../infra/metrics/index.ts';
import { registerStorageMetrics } from './metrics.ts';
import { MgmtdRoutingSource } from './mgmtd-routing-source.ts';
import { HeartbeatLoop } from './heartbeat-loop.ts';
import { StorageServer } from './server.ts';
import { WriteFence } from './write-fence.ts';

function integer(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw GeneralError.INVALID_ARGUMENT(`--${name} must be an integer in ${min}-${max}, got ${text}`);
  return n;
}

function list(name: string, text: string | undefined): string[] {
  const items = (text ?? '').split(',').filter((s) => s.length > 0);
  if (items.length === 0) throw GeneralError.INVALID_ARGUMENT(`--${name} needs at least one entry`);
  return items;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      'node-id': { type: 'string' },
      targets: { type: 'string' },
      mgmtd: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      name: { type: 'string' },
      'heartbeat-ms': { type: 'string', default: '1000' },
      'secret-dir': { type: 'string' },
      'metrics-port': { type: 'string', default: '0' },
    },
    strict: true,
  });
  const dataDir = values['data-dir'];
  if (dataDir === undefined) throw GeneralError.INVALID_ARGUMENT('--data-dir is required');
  if (values['node-id'] === undefined) throw GeneralError.INVALID_ARGUMENT('--node-id is required');
  const nodeId = integer('node-id', values['node-id'], 1);
  const targetDirs = list('targets', values.targets).map((dir) => resolve(dir));
  const mgmtdAddresses = list('mgmtd', values.mgmtd);
  const heartbeatMs = integer('heartbeat-ms', values['heartbeat-ms'], 1);
  const name = values.name ?? `storage-${nodeId}`;

  await mkdir(dataDir, { recursive: true });
  const logStream = createWriteStream(join(dataDir, `${name}.log`), { flags: 'a' });
  const log = (message: string): void => void logStream.write(`${new Date().toISOString()} ${message}\n`);

  // 1. The transport to mgmtd, and routing fed by it.
  const secret = await loadOrCreateClusterSecret(values['secret-dir'] ?? dataDir);
  // Prometheus metrics (loopback HTTP; `metricsAddress` in the ready line): RPC calls served and made, chunk counters.
  const metrics = await ServiceMetrics.create({ service: name, port: parseMetricsPort(values['metrics-port']) });
  const rpc = RpcClient.create({ secret, timeoutMs: 5_000, metrics: metrics.rpc });
  const mgmtd = MgmtdClient.create({ rpc, addresses: mgmtdAddresses, log: (message) => log(`mgmtd client: ${message}`) });
  const routing = new MgmtdRoutingSource(mgmtd);

  // 2. The targets behind the storage service.
  const fence = new WriteFence();
  let heartbeats: HeartbeatLoop | null = null;
  const server = await StorageServer.create({
    secret,
    routing,
    rejoin: true,
    fence,
    log: (message) => log(`resync: ${message}`),
    onLocalStateChange: () => heartbeats?.soon(),
    targets: targetDirs.map((dir, disk) => ({ targetId: targetIdOf(nodeId, disk), dir })),
    rpc: {
      host: values.host,
      port: integer('port', values.port, 0, 65535),
      metrics: metrics.rpc,
      logger: { warn: (message, fields) => log(`rpc: ${message}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`) },
    },
  });
  const address = formatAddress(server.address);
  registerStorageMetrics(metrics.registry, server.targets);

  // 3. Join the cluster: register, then heartbeat the targets' local states; replies carry newer routing.
  //    Targets start behind the rejoin gate (reported OFFLINE, serving nothing) until mgmtd has taken them out of
  //    their chains; then they come back ONLINE and are synced, or serve at once if they were the last to serve.
  await mgmtd.registerNode({ nodeId, type: 'STORAGE', address });
  let stopping = false;
  heartbeats = new HeartbeatLoop({ mgmtd, nodeId, server, fence, intervalMs: heartbeatMs, log });
  heartbeats.start();
  mgmtd.startPolling();

  const pidFile = join(dataDir, `${name}.pid`);
  await writeFile(pidFile, `${process.pid}\n`);
  log(`node ${nodeId} listening on ${address} (pid ${process.pid}, targets ${server.targets.all().map((t) => t.targetId).join(',')})`);
  log(`metrics ${metrics.address === null ? 'off' : `http://${metrics.address}/metrics`}`);
  process.stdout.write(`${JSON.stringify({ ready: true, address, pid: process.pid, metricsAddress: metrics.address })}\n`);

  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await heartbeats.stop(true);
    await mgmtd.close();
    await server.close();
    await rpc.close();
    await metrics.close();
    await rm(pidFile, { force: true });
    logStream.end(() => process.exit(0));
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(signal));
}

main().catch((err: unknown) => {
  console.error(`[storage] failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
