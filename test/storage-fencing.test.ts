/**
 * Storage fencing with real processes: a storage node that has not reached mgmtd for half the failure interval
 * refuses writes and reads (STORAGE_FENCED: once the chain could have moved on without it, its data may be stale);
 * when mgmtd is back, the same processes serve again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32c } from '@node-rs/crc32';
import { LOCAL_CLUSTER, serviceStatus, startService, stopService, storageName, up, withMgmtd } from '../infra/cluster/index.ts';
import { hasCode } from '../infra/errors.ts';
import { encodeChunkId, parseAddress } from '../infra/mgmtd/index.ts';
import type { RoutingInfo } from '../infra/mgmtd/index.ts';
import { createStub, loadOrCreateClusterSecret, RpcClient } from '../infra/rpc/index.ts';
import { StorageService } from '../storage/index.ts';
import { clusterDataDir } from './lib/cluster-dir.ts';

const CLUSTER = { failureIntervalMs: 2_000, heartbeatMs: 200 } as const;

test('a storage node cut off from mgmtd for half the failure interval refuses writes and reads, and recovers', { timeout: 180_000 }, async (t) => {
  const dataDir = clusterDataDir(t, 'fp-fencing-');
  await up({ dataDir, temporal: false, ...CLUSTER });
  const rpc = RpcClient.create({ secret: await loadOrCreateClusterSecret(dataDir), timeoutMs: 5_000 });
  t.after(() => rpc.close());

  const headOf = (routing: RoutingInfo) => {
    const chain = routing.chains[0]!;
    const head = routing.targets.find((x) => x.targetId === chain.targets[0]!.targetId)!;
    const address = parseAddress(routing.nodes.find((n) => n.nodeId === head.nodeId)!.address!);
    return { chain, stub: createStub(rpc, StorageService, address) };
  };
  const data = Buffer.from('fenced? '.repeat(512));
  const chunkId = encodeChunkId(42n, 0);
  let seqnum = 0;
  const write = (routing: RoutingInfo) => {
    const { chain, stub } = headOf(routing);
    seqnum += 1;
    return stub.write({ chunkId, chainId: chain.chainId, chainVer: chain.chainVersion, offset: 0, crc32c: crc32c(data), tag: { clientId: 'fence-test', channel: 1, seqnum }, data });
  };
  const read = (routing: RoutingInfo) => {
    const { chain, stub } = headOf(routing);
    return stub.read({ chunkId, chainId: chain.chainId, chainVer: chain.chainVersion, offset: 0, length: data.length });
  };

  // 1. With mgmtd up, the head takes the write.
  const routing = await withMgmtd(dataDir, (m) => m.refreshRouting());
  assert.equal((await write(routing)).commitVer, 1);

  // 2. Both mgmtds stop. Past half the failure interval, the head refuses writes and reads, naming the reason.
  const records = LOCAL_CLUSTER.mgmtdNames.map((name) => serviceStatus(dataDir, name).record!);
  const storagePids = LOCAL_CLUSTER.storageNodeIds.map((nodeId) => serviceStatus(dataDir, storageName(nodeId)).record!.pid);
  for (const name of LOCAL_CLUSTER.mgmtdNames) await stopService(dataDir, name);
  await sleep(CLUSTER.failureIntervalMs / 2 + 300);
  await assert.rejects(write(routing), (err) => hasCode(err, 'STORAGE_FENCED') && /has not reached mgmtd for \d+ ms/.test((err as Error).message));
  await assert.rejects(read(routing), (err) => hasCode(err, 'STORAGE_FENCED') && /a read is refused/.test((err as Error).message));

  // 3. The mgmtds come back on their old addresses: the same storage processes reach them again, and the head takes
  //    writes again once the routing settles (the chains may have been reshuffled meanwhile).
  for (const record of records) {
    const port = record.address.slice(record.address.lastIndexOf(':') + 1);
    const args = record.args.map((arg, i) => (record.args[i - 1] === '--port' ? port : arg));
    await startService({ dataDir, name: record.name, script: 'infra/mgmtd/server.ts', args });
  }
  const deadline = Date.now() + 30_000;
  let commitVer = 0;
  while (commitVer === 0) {
    try {
      commitVer = (await write(await withMgmtd(dataDir, (m) => m.refreshRouting()))).commitVer;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
  assert.ok(commitVer >= 2, `the write after the outage committed (v${commitVer})`);
  assert.deepEqual(LOCAL_CLUSTER.storageNodeIds.map((nodeId) => serviceStatus(dataDir, storageName(nodeId)).record!.pid), storagePids, 'the same storage processes');
  const after = await withMgmtd(dataDir, (m) => m.refreshRouting());
  assert.deepEqual(Buffer.from((await read(after)).data!), data);
});
