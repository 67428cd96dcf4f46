/**
 * Storage processes killed with SIGKILL under load (issue 3 §6), on a real cluster from `up({ temporal: false })`:
 * mgmtd ×2, storage ×3 with two targets each, chains of three replicas, fast failure detection.
 *
 * While stream writers write new chunks and register clients read and overwrite shared chunks, the test kills the
 * node at the head of chain A, then (after it came back and the cluster serves again) the node in the middle, then
 * the one at the tail. A killed node is started again by `up`, passes its rejoin gate and is resynced by its chain
 * predecessor. Afterwards:
 *   - every acknowledged stream write reads back byte for byte, with its checksum;
 *   - the register history (reads and writes of shared chunks, across the kills) is linearizable;
 *   - every chain's replicas hold the same committed chunks (ids, versions, lengths, checksums).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_CLUSTER, serviceDir, serviceStatus, storageName, up } from '../infra/cluster/index.ts';
import { encodeChunkId, parseAddress } from '../infra/mgmtd/index.ts';
import type { ChainInfo, MgmtdClient, RoutingInfo, TargetId } from '../infra/mgmtd/index.ts';
import type { RpcClient } from '../infra/rpc/index.ts';
import { createStub } from '../infra/rpc/index.ts';
import { MgmtdRoutingSource, StorageClient, StorageService } from '../storage/index.ts';
import type { WireChunkMeta } from '../storage/index.ts';
import { RegisterClients, StreamWriters, tagOf } from './lib/chunk-workload.ts';
import type { SharedChunk } from './lib/chunk-workload.ts';
import { checkOperations, chunkStoreModel, describeLinearization } from './lib/linearizability/index.ts';
import { clusterDataDir, connectCluster } from './lib/cluster-dir.ts';

const CLUSTER = { failureIntervalMs: 2_000, heartbeatMs: 250, leaseMs: 1_500 } as const;
const CHUNK_BYTES = 16 * 1024;
/** How long the workload runs with a node dead before it is started again. */
const DEAD_MS = 1_500;

interface Cluster {
  readonly dataDir: string;
  readonly rpc: RpcClient;
  readonly mgmtd: MgmtdClient;
  newClient(): StorageClient;
}

async function startCluster(t: TestContext): Promise<Cluster> {
  const dataDir = clusterDataDir(t, 'fp-storage-crash-');
  await up({ dataDir, temporal: false, ...CLUSTER });
  const { secret, rpc, mgmtd } = await connectCluster(t, dataDir);
  mgmtd.startPolling();
  const routing = new MgmtdRoutingSource(mgmtd);
  const newClient = (): StorageClient => {
    // Patient: a write to a chain whose node just died waits out failure detection (2 s) and the chain's change.
    const client = StorageClient.create({ routing, rpc: { secret, timeoutMs: 3_000 }, maxAttempts: 200, backoffBaseMs: 10, backoffCapMs: 200 });
    t.after(() => client.close());
    return client;
  };
  return { dataDir, rpc, mgmtd, newClient };
}

/** The node holding the chain's target at `position` (0 head, 1 middle, 2 tail) in the current routing. */
function nodeAt(routing: RoutingInfo, chainId: number, position: number): number {
  const chain = routing.chains.find((c) => c.chainId === chainId)!;
  const targetId = chain.targets[position]!.targetId;
  return routing.targets.find((x) => x.targetId === targetId)!.nodeId;
}

function killNode(dataDir: string, nodeId: number): number {
  const record = serviceStatus(dataDir, storageName(nodeId)).record;
  assert.ok(record !== null, `storage-${nodeId} has a service record`);
  process.kill(record.pid, 'SIGKILL');
  return record.pid;
}

async function dumpAll(cluster: Cluster, routing: RoutingInfo, chain: ChainInfo, targetId: TargetId): Promise<WireChunkMeta[]> {
  const nodeId = routing.targets.find((x) => x.targetId === targetId)!.nodeId;
  const address = parseAddress(routing.nodes.find((n) => n.nodeId === nodeId)!.address!);
  const stub = createStub(cluster.rpc, StorageService, address);
  const out: WireChunkMeta[] = [];
  let begin: Uint8Array | null = null;
  do {
    const page = await stub.dumpChunkMeta({ targetId, chainVer: chain.chainVersion, begin, limit: 1024 });
    out.push(...page.metas);
    begin = page.next;
  } while (begin !== null);
  return out;
}

const committed = (metas: readonly WireChunkMeta[]): string[] =>
  metas.filter((m) => m.commitVer > 0).map((m) => `${Buffer.from(m.chunkId).toString('hex')} v${m.commitVer} ${m.length}B crc ${m.crc32c >>> 0}`);

interface Load {
  readonly chainIds: readonly number[];
  readonly streams: StreamWriters;
  readonly registers: RegisterClients;
  readonly shared: readonly SharedChunk[];
}

/** 3 stream writers over every chain; 3 register clients over 6 shared chunks. Stopped with the test at the latest. */
async function startLoad(t: TestContext, cluster: Cluster): Promise<Load> {
  const chainIds = (await cluster.mgmtd.refreshRouting()).chains.map((c) => c.chainId);
  const streams = new StreamWriters(cluster.newClient(), chainIds, 3, CHUNK_BYTES);
  const shared = Array.from({ length: 6 }, (_, i) => ({ chainId: chainIds[i % chainIds.length]!, chunkId: encodeChunkId(7n, i), key: `shared-${i}` }));
  const registers = new RegisterClients([cluster.newClient(), cluster.newClient(), cluster.newClient()], shared, CHUNK_BYTES);
  t.after(async () => {
    await streams.stop();
    await registers.stop();
  });
  await sleep(500);
  return { chainIds, streams, registers, shared };
}

/**
 * Stops the load, then checks what the test is about: every acknowledged stream write reads back whole with its
 * checksum; the register history (with a final read of every shared chunk) is linearizable and no read saw torn
 * bytes; every chain serves on all replicas and its replicas hold the same committed chunks. Returns a summary.
 */
async function stopAndVerify(cluster: Cluster, load: Load): Promise<string> {
  const { streams, registers, shared } = load;
  await streams.stop();
  await registers.stop();
  assert.ok(streams.acked.length > 50, `enough stream writes acknowledged (${streams.acked.length}, ${streams.failed} failed)`);
  assert.ok(registers.ops > 50, `enough register operations (${registers.ops}, ${registers.failed} failed)`);

  const reader = cluster.newClient();
  for (const w of streams.acked) {
    const got = await reader.read({ chainId: w.chainId, chunkId: w.chunkId, offset: 0, length: CHUNK_BYTES });
    assert.equal(tagOf(got.data), w.tag, `chunk of ${w.tag}`);
  }

  for (const chunk of shared) await registers.read(reader, 99, chunk);
  assert.deepEqual(registers.garbled, []);
  const model = chunkStoreModel();
  const verdict = checkOperations(model, registers.history(), { timeoutMs: 60_000 });
  assert.notEqual(
    verdict.result,
    'illegal',
    `not linearizable:\n${verdict.illegalPartition === null ? '' : describeLinearization(model, verdict.illegalPartition)}`,
  );

  const routing = await cluster.mgmtd.refreshRouting();
  for (const chain of routing.chains) {
    assert.ok(chain.targets.every((x) => x.publicState === 'SERVING'), `chain ${chain.chainId} serves on every replica`);
    const views = await Promise.all(chain.targets.map(async (x) => committed(await dumpAll(cluster, routing, chain, x.targetId))));
    assert.ok(views[0]!.length > 0, `chain ${chain.chainId} holds chunks`);
    for (let i = 1; i < views.length; i++) assert.deepEqual(views[i], views[0], `chain ${chain.chainId}: replica ${chain.targets[i]!.targetId} vs ${chain.targets[0]!.targetId}`);
  }
  return `${streams.acked.length} stream writes acked, ${streams.failed} failed; ${registers.ops} register ops, ${registers.failed} failed; verdict ${verdict.result}`;
}

/** The storage logs' lines about finished syncs. */
function syncLines(dataDir: string): string[] {
  return [1, 2, 3].flatMap((nodeId) =>
    readFileSync(join(serviceDir(dataDir, storageName(nodeId)), `${storageName(nodeId)}.log`), 'utf8')
      .split('\n')
      .filter((line) => /resync: sync of target .* done/.test(line)),
  );
}

test('kill -9 of the head, a middle and the tail storage node under concurrent writes loses no acknowledged write', { timeout: 300_000 }, async (t) => {
  const cluster = await startCluster(t);
  const load = await startLoad(t, cluster);
  const chainA = load.chainIds[0]!;

  // Kill the head, then the middle, then the tail of chain A; each time start it again and wait for the cluster to
  // serve with every target UPTODATE (up does both), while the load keeps going.
  const killed: string[] = [];
  for (const [position, role] of [[0, 'head'], [1, 'middle'], [2, 'tail']] as const) {
    const routing = await cluster.mgmtd.refreshRouting();
    const nodeId = nodeAt(routing, chainA, position);
    const ackedBefore = load.streams.acked.length;
    const pid = killNode(cluster.dataDir, nodeId);
    killed.push(`${role}: storage-${nodeId} (pid ${pid})`);
    await sleep(DEAD_MS);
    const again = await up({ dataDir: cluster.dataDir, temporal: false, ...CLUSTER });
    assert.deepEqual(again.started, [storageName(nodeId)], `only the killed ${role} is started again`);
    await sleep(300);
    assert.ok(load.streams.acked.length > ackedBefore, `writes kept being acknowledged around the ${role} kill`);
  }
  const summary = await stopAndVerify(cluster, load);

  // The restarted nodes were brought back by syncs their chain predecessors ran (the storage logs say so).
  const syncs = syncLines(cluster.dataDir);
  assert.ok(syncs.length >= 3, `at least one sync per restart, got:\n${syncs.join('\n')}`);
  assert.ok(syncs.some((line) => !/ 0 chunks/.test(line)), `some sync copied chunks the restarted target missed:\n${syncs.join('\n')}`);
  t.diagnostic(`${syncs.length} syncs, e.g. ${syncs.at(-1) ?? ''}`);
  t.diagnostic(`killed ${killed.join(', ')}; ${summary}`);
});

test('kill -9 of the mgmtd primary under load, then a restart of every storage node: nothing acknowledged is lost', { timeout: 300_000 }, async (t) => {
  const cluster = await startCluster(t);
  const load = await startLoad(t, cluster);

  // 1. The primary dies without releasing its lease. Storage nodes lose their heartbeats and fence themselves until
  //    the standby takes the lease over; the clients' retries carry the load across.
  await cluster.mgmtd.refreshRouting();
  const primary = cluster.mgmtd.primaryAddress;
  const record = LOCAL_CLUSTER.mgmtdNames.map((name) => serviceStatus(cluster.dataDir, name).record!).find((r) => r.address === primary);
  assert.ok(record !== undefined, `the primary ${primary} is one of ours`);
  process.kill(record.pid, 'SIGKILL');
  await sleep(CLUSTER.leaseMs + 2_000);
  const ackedAfterTakeover = load.streams.acked.length;
  await sleep(1_000);
  assert.ok(load.streams.acked.length > ackedAfterTakeover, 'writes are acknowledged again under the new primary');
  assert.notEqual(cluster.mgmtd.primaryAddress, primary, 'the client follows the new primary');

  // 2. up brings the dead mgmtd back (on a new port), and with it restarts every storage node, which was started with
  //    the old mgmtd addresses: a rolling restart of the whole storage tier, under load.
  const again = await up({ dataDir: cluster.dataDir, temporal: false, ...CLUSTER });
  assert.ok(again.started.includes(record.name), `${record.name} started again`);
  await sleep(1_000);
  t.diagnostic(await stopAndVerify(cluster, load));
});
