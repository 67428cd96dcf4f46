import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeneralError, hasCode } from '../errors.ts';
import { findChain, findChainTable, initChainTable, MgmtdClient } from '../mgmtd/index.ts';
import type { RoutingInfo } from '../mgmtd/index.ts';
import { loadOrCreateClusterSecret, RpcClient } from '../rpc/index.ts';
import type { DevServerInfo } from '../temporal/index.ts';
import { readDevServerInfo, startDevServer, stopDevServer } from '../temporal/index.ts';
import type { SearchAttributeType } from '../temporal/index.ts';
import { listServiceNames, serviceDir, serviceStatus, startService, stopService } from './launcher.ts';
import type { ServiceRecord, ServiceStatus } from './launcher.ts';

/** The shape of the local cluster `up` starts. */
export const LOCAL_CLUSTER = {
  mgmtdNames: ['mgmtd-1', 'mgmtd-2'],
  storageNodeIds: [1, 2, 3],
  targetsPerNode: 2,
  replicationFactor: 3,
  chainTableId: 1,
  /** Bound on waiting for the cluster to serve (a bound, not an expectation). */
  readyTimeoutMs: 60_000,
} as const;

export const storageName = (nodeId: number): string => `storage-${nodeId}`;

export interface UpOptions {
  readonly dataDir: string;
  /** Start (or reuse) the Temporal dev server too; true by default. */
  readonly temporal?: boolean;
  readonly port?: number;
  readonly uiPort?: number | null;
  readonly searchAttributes?: readonly { readonly name: string; readonly type: SearchAttributeType }[];
  /** mgmtd's `--failure-interval-ms` (its default when absent); tests pass a short one for fast failure detection. */
  readonly failureIntervalMs?: number;
  /** Storage nodes' `--heartbeat-ms` (their default when absent); keep it well under the failure interval. */
  readonly heartbeatMs?: number;
  /** mgmtd's `--lease-ms` (its default when absent): how soon a standby takes over from a dead primary. */
  readonly leaseMs?: number;
}

export interface StackStatus {
  readonly dataDir: string;
  readonly temporal: DevServerInfo | null;
  /** mgmtd and storage services, by name. */
  readonly services: readonly ServiceStatus[];
}

/**
 * Brings up the local stack of a data directory, or finds it already up: the Temporal dev server (with its Web UI),
 * mgmtd ×2 sharing one LMDB kv dir, and storage ×3 with two targets each. Creates the chain table (three replicas
 * per chain) on first start, and returns when every chain's targets are SERVING. Services whose records show a live
 * process are kept; crashed ones are started again (see `ensureService`).
 */
export async function up(options: UpOptions): Promise<StackStatus & { readonly started: readonly string[] }> {
  const { dataDir } = options;
  const started: string[] = [];
  let temporal: DevServerInfo | null = null;
  if (options.temporal !== false) {
    const info = await startDevServer({
      dataDir,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.uiPort === undefined ? {} : { uiPort: options.uiPort }),
      ...(options.searchAttributes === undefined ? {} : { searchAttributes: options.searchAttributes }),
    });
    if (!info.reused) started.push('temporal');
    temporal = info;
  }

  // 1. One secret for every service and client of the data dir.
  await loadOrCreateClusterSecret(dataDir);
  const kvDir = join(dataDir, 'mgmtd-kv');
  const mgmtds = await Promise.all(LOCAL_CLUSTER.mgmtdNames.map((name) => ensureService(dataDir, name, started, 'infra/mgmtd/server.ts', [
    '--kv', `lmdb:${kvDir}`,
    ...(options.failureIntervalMs === undefined ? [] : ['--failure-interval-ms', String(options.failureIntervalMs)]),
    ...(options.leaseMs === undefined ? [] : ['--lease-ms', String(options.leaseMs)]),
  ])));

  await withMgmtd(dataDir, async (mgmtd) => {
    // 2. The chain table, before any storage node heartbeats: the nodes are registered ahead (CONNECTING, no
    //    address), which holds the new chains still until every node has reported its targets. Created after the
    //    nodes heartbeat, the first report would demote the targets not heard from yet, and they would need a sync.
    if (findChainTable(await mgmtd.refreshRouting(), LOCAL_CLUSTER.chainTableId, null) === null) await createChainTable(mgmtd);

    // 3. Storage nodes register their addresses and heartbeat as they start; then wait until every chain serves.
    const mgmtdArg = mgmtds.map((m) => m.address).join(',');
    await Promise.all(LOCAL_CLUSTER.storageNodeIds.map((nodeId) => {
      const name = storageName(nodeId);
      const dir = serviceDir(dataDir, name);
      const targets = Array.from({ length: LOCAL_CLUSTER.targetsPerNode }, (_, i) => join(dir, `target-${i + 1}`)).join(',');
      return ensureService(dataDir, name, started, 'storage/main.ts', [
        '--node-id', String(nodeId), '--targets', targets, '--mgmtd', mgmtdArg,
        ...(options.heartbeatMs === undefined ? [] : ['--heartbeat-ms', String(options.heartbeatMs)]),
      ]);
    }));
    await waitForRouting(mgmtd, 'every chain to serve', clusterServes);
  });
  return { ...status(dataDir), temporal, started };
}

/**
 * Every storage node heartbeats from a known address, and every chain of the local table (`LOCAL_CLUSTER`) has its
 * full replica count, all SERVING, each target reporting itself UPTODATE. Tables added later with `firepond admin
 * init-cluster` may sit on disks no storage node offers; they do not count.
 */
export function clusterServes(routing: RoutingInfo): boolean {
  const table = findChainTable(routing, LOCAL_CLUSTER.chainTableId, null);
  if (table === null || table.chains.length === 0) return false;
  const localStates = new Map(routing.targets.map((t) => [t.targetId, t.localState]));
  const chains = table.chains.map((id) => findChain(routing, id));
  return routing.nodes.filter((n) => n.type === 'STORAGE').every((n) => n.status === 'CONNECTED' && n.address !== null) &&
    chains.every((c) => c !== null && c.targets.length === LOCAL_CLUSTER.replicationFactor &&
      c.targets.every((t) => t.publicState === 'SERVING' && localStates.get(t.targetId) === 'UPTODATE'));
}

/**
 * Stops everything `up` started for the data directory (storage, then mgmtd, then Temporal) and clears the records
 * of crashed services; returns what was running and got stopped. Safe to call when nothing runs.
 */
export async function down(dataDir: string): Promise<string[]> {
  const stopped: string[] = [];
  const names = listServiceNames(dataDir);
  const storage = names.filter((n) => n.startsWith('storage-'));
  const rest = names.filter((n) => !n.startsWith('storage-'));
  for (const group of [storage, rest]) {
    const results = await Promise.all(group.map(async (name) => ((await stopService(dataDir, name)) ? name : null)));
    stopped.push(...results.filter((n): n is string => n !== null));
  }
  if (await stopDevServer(dataDir)) stopped.push('temporal');
  return stopped;
}

export function status(dataDir: string): StackStatus {
  const names = new Set([...LOCAL_CLUSTER.mgmtdNames, ...LOCAL_CLUSTER.storageNodeIds.map(storageName), ...listServiceNames(dataDir)]);
  return { dataDir, temporal: readDevServerInfo(dataDir), services: [...names].sort().map((name) => serviceStatus(dataDir, name)) };
}

/** The addresses of the data dir's running mgmtds; SERVER_UNAVAILABLE when none runs. */
export function mgmtdAddresses(dataDir: string): string[] {
  const addresses = LOCAL_CLUSTER.mgmtdNames
    .map((name) => serviceStatus(dataDir, name))
    .filter((s) => s.state === 'running')
    .map((s) => s.record!.address);
  if (addresses.length === 0) {
    throw GeneralError.SERVER_UNAVAILABLE(`no mgmtd is running for data dir ${dataDir}; start the cluster with \`firepond up\``);
  }
  return addresses;
}

/** Runs `body` with a mgmtd client connected to the data dir's cluster, closed afterwards. */
export async function withMgmtd<T>(dataDir: string, body: (mgmtd: MgmtdClient) => Promise<T>): Promise<T> {
  const rpc = RpcClient.create({ secret: await loadOrCreateClusterSecret(dataDir), timeoutMs: 5_000 });
  const mgmtd = MgmtdClient.create({ rpc, addresses: mgmtdAddresses(dataDir), log: () => undefined });
  try {
    return await body(mgmtd);
  } finally {
    await mgmtd.close();
    await rpc.close();
  }
}

/**
 * Starts a service unless it already runs with the same arguments. A crashed one leaves a stale record, cleared
 * first; a running one with other arguments (a storage node pointed at mgmtd addresses that changed when an mgmtd
 * was restarted) is stopped and started again.
 */
async function ensureService(dataDir: string, name: string, started: string[], script: string, extra: readonly string[]): Promise<ServiceRecord> {
  const args = ['--data-dir', serviceDir(dataDir, name), '--secret-dir', dataDir, '--name', name, '--port', '0', ...extra];
  const current = serviceStatus(dataDir, name);
  if (current.state === 'running' && JSON.stringify(current.record!.args) === JSON.stringify(args)) return current.record!;
  if (current.state !== 'stopped') await stopService(dataDir, name);
  const record = await startService({ dataDir, name, script, args });
  started.push(name);
  return record;
}

/** The local table, through the same code as `firepond admin init-cluster`: nodes registered ahead, disks from 0. */
async function createChainTable(mgmtd: MgmtdClient): Promise<void> {
  await initChainTable(mgmtd, {
    chainTableId: LOCAL_CLUSTER.chainTableId,
    storageNodeIds: LOCAL_CLUSTER.storageNodeIds,
    targetsPerNode: LOCAL_CLUSTER.targetsPerNode,
    replicationFactor: LOCAL_CLUSTER.replicationFactor,
    firstDiskIndex: 0,
    registerUnknownNodes: true,
  }).catch((err: unknown) => {
    if (!hasCode(err, 'INVALID_ARGUMENT')) throw err; // another `up` created it first
  });
}

async function waitForRouting(mgmtd: MgmtdClient, what: string, done: (routing: RoutingInfo) => boolean): Promise<void> {
  const deadline = Date.now() + LOCAL_CLUSTER.readyTimeoutMs;
  for (;;) {
    const routing = await mgmtd.refreshRouting();
    if (done(routing)) return;
    if (Date.now() > deadline) {
      throw GeneralError.SERVER_UNAVAILABLE(`timed out waiting for ${what} (routing v${routing.version})`, { context: { routing } });
    }
    await sleep(100);
  }
}

