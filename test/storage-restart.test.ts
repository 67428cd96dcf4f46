/**
 * Whole-cluster restarts keep the data: a clean `down` + `up` on the same data dir, and a kill -9 of every storage
 * node at once followed by `up`. Each time every chain serves again on all replicas (the last serving replica first,
 * the others after a sync) and every chunk written before reads back byte for byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterServes, down, LOCAL_CLUSTER, mgmtdAddresses, serviceStatus, storageName, up } from '../infra/cluster/index.ts';
import { MgmtdClient } from '../infra/mgmtd/index.ts';
import { isProcessAlive } from '../infra/temporal/index.ts';
import { loadOrCreateClusterSecret, RpcClient } from '../infra/rpc/index.ts';
import { MgmtdRoutingSource, StorageClient } from '../storage/index.ts';
import type { AckedWrite } from './lib/chunk-workload.ts';
import { StreamWriters, tagOf } from './lib/chunk-workload.ts';
import { clusterDataDir } from './lib/cluster-dir.ts';

const CLUSTER = { failureIntervalMs: 2_000, heartbeatMs: 250 } as const;
const CHUNK_BYTES = 8 * 1024;

async function withStorage<T>(dataDir: string, body: (client: StorageClient, mgmtd: MgmtdClient) => Promise<T>): Promise<T> {
  const secret = await loadOrCreateClusterSecret(dataDir);
  const rpc = RpcClient.create({ secret, timeoutMs: 5_000 });
  const mgmtd = MgmtdClient.create({ rpc, addresses: mgmtdAddresses(dataDir), log: () => undefined });
  const client = StorageClient.create({ routing: new MgmtdRoutingSource(mgmtd), rpc: { secret, timeoutMs: 5_000 }, maxAttempts: 50, backoffCapMs: 200 });
  try {
    await mgmtd.refreshRouting();
    return await body(client, mgmtd);
  } finally {
    await client.close();
    await mgmtd.close();
    await rpc.close();
  }
}

async function writeSome(dataDir: string, ms: number): Promise<AckedWrite[]> {
  return withStorage(dataDir, async (client, mgmtd) => {
    const chains = (await mgmtd.refreshRouting()).chains.map((c) => c.chainId);
    const writers = new StreamWriters(client, chains, 2, CHUNK_BYTES);
    await sleep(ms);
    await writers.stop();
    assert.equal(writers.failed, 0);
    return writers.acked;
  });
}

async function readAll(dataDir: string, acked: readonly AckedWrite[]): Promise<void> {
  await withStorage(dataDir, async (client, mgmtd) => {
    assert.ok(clusterServes(await mgmtd.refreshRouting()), 'every chain serves on every replica, every target UPTODATE');
    for (const w of acked) {
      const got = await client.read({ chainId: w.chainId, chunkId: w.chunkId, offset: 0, length: CHUNK_BYTES });
      assert.equal(tagOf(got.data), w.tag);
    }
  });
}

test('down + up, and kill -9 of every storage node + up, keep every chunk', { timeout: 240_000 }, async (t) => {
  const dataDir = clusterDataDir(t, 'fp-restart-');
  await up({ dataDir, temporal: false, ...CLUSTER });
  const first = await writeSome(dataDir, 600);
  assert.ok(first.length > 0);

  // 1. A clean stop and start: the storage nodes reported their targets OFFLINE on the way down.
  await down(dataDir);
  const restarted = await up({ dataDir, temporal: false, ...CLUSTER });
  assert.equal(restarted.started.length, 5);
  await readAll(dataDir, first);

  // 2. Every storage node killed at once, then started again.
  const second = await writeSome(dataDir, 600);
  const pids = LOCAL_CLUSTER.storageNodeIds.map((nodeId) => serviceStatus(dataDir, storageName(nodeId)).record!.pid);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  while (pids.some(isProcessAlive)) await sleep(20);
  const again = await up({ dataDir, temporal: false, ...CLUSTER });
  assert.deepEqual([...again.started].sort(), LOCAL_CLUSTER.storageNodeIds.map(storageName));
  await readAll(dataDir, [...first, ...second]);
});
