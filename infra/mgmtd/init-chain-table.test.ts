import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { hasCode } from '../errors.ts';
import { formatAddress, RpcClient, RpcServer } from '../rpc/index.ts';
import { MgmtdClient } from './client.ts';
import { initChainTable } from './init-chain-table.ts';
import type { InitChainTableOptions } from './init-chain-table.ts';
import { describePlacement } from './placement/describe-placement.ts';
import { MgmtdService } from './protocol.ts';
import { memoryKv, testClock, testMgmtd } from './service/test-kit.ts';

const SECRET = 'c'.repeat(64);

/** A primary mgmtd on loopback and a client of it. */
async function cluster(t: TestContext): Promise<MgmtdClient> {
  const server = await RpcServer.create({ secret: SECRET, port: 0 });
  const mgmtd = await testMgmtd(t, await memoryKv(t), testClock(), { address: formatAddress(server.address) });
  t.after(async () => {
    await mgmtd.close();
    await server.close();
  });
  server.register(MgmtdService, mgmtd.handlers());
  await mgmtd.renewLease();
  const rpc = RpcClient.create({ secret: SECRET, timeoutMs: 5_000 });
  t.after(() => rpc.close());
  const client = MgmtdClient.create({ rpc, addresses: [mgmtd.address], retryDeadlineMs: 2_000, log: () => undefined });
  t.after(() => client.close());
  return client;
}

const DEFAULTS: InitChainTableOptions = {
  chainTableId: 1, storageNodeIds: null, targetsPerNode: 2, replicationFactor: 3, firstDiskIndex: null, registerUnknownNodes: false,
};

const refusal = (pattern: RegExp) => (err: unknown): boolean => hasCode(err, 'INVALID_ARGUMENT') && pattern.test((err as Error).message);

test('init-chain-table places on the registered storage nodes, and a second table on their next disks', async (t) => {
  const mgmtd = await cluster(t);
  for (const nodeId of [3, 1, 2]) await mgmtd.registerNode({ nodeId, type: 'STORAGE', address: null });
  await mgmtd.registerNode({ nodeId: 50, type: 'META', address: null });

  const first = await initChainTable(mgmtd, DEFAULTS);
  assert.deepEqual(first.spec, { chainTableId: 1, storageNodeIds: [1, 2, 3], targetsPerNode: 2, replicationFactor: 3 });
  assert.deepEqual(first.unknownNodes, []);
  const second = await initChainTable(mgmtd, { ...DEFAULTS, chainTableId: 2, targetsPerNode: 1 });
  assert.equal(second.spec.firstDiskIndex, 2);
  assert.deepEqual(second.generated.targets.map((t) => t.targetId), [1003, 2003, 3003]);

  const routing = await mgmtd.refreshRouting();
  assert.deepEqual(routing.chainTables.map((t) => [t.chainTableId, t.chains.length]), [[1, 2], [2, 1]]);
  const placement = describePlacement(routing.chains, routing.targets);
  for (const chain of placement.chains) assert.equal(new Set(chain.replicas.map((r) => r.nodeId)).size, 3, `chain ${chain.chainId}`);
  assert.deepEqual(placement.nodes.map((n) => n.targets), [3, 3, 3]);
});

test('init-chain-table refuses, saying why, before it changes anything', async (t) => {
  const mgmtd = await cluster(t);
  await assert.rejects(initChainTable(mgmtd, DEFAULTS), refusal(/no storage node is registered/));
  for (const nodeId of [1, 2]) await mgmtd.registerNode({ nodeId, type: 'STORAGE', address: null });
  await mgmtd.registerNode({ nodeId: 50, type: 'META', address: null });
  const before = (await mgmtd.refreshRouting()).version;

  await assert.rejects(initChainTable(mgmtd, DEFAULTS), refusal(/3 replicas per chain need 3 distinct storage nodes, there are 2/));
  await assert.rejects(initChainTable(mgmtd, { ...DEFAULTS, storageNodeIds: [1, 2, 9] }), refusal(/node 9 is not registered/));
  await assert.rejects(initChainTable(mgmtd, { ...DEFAULTS, storageNodeIds: [1, 2, 50] }), refusal(/node 50 is a META node/));
  await assert.rejects(initChainTable(mgmtd, { ...DEFAULTS, replicationFactor: 2, targetsPerNode: 0 }), refusal(/targetsPerNode/));
  assert.equal((await mgmtd.refreshRouting()).version, before, 'nothing changed');

  await initChainTable(mgmtd, { ...DEFAULTS, replicationFactor: 2 });
  await assert.rejects(initChainTable(mgmtd, { ...DEFAULTS, replicationFactor: 2 }), refusal(/chain table 1: it exists/));
  await assert.rejects(initChainTable(mgmtd, { ...DEFAULTS, chainTableId: 2, replicationFactor: 2, firstDiskIndex: 1 }), refusal(/target 1002 .* belongs to another table/));
});

test('init-chain-table registers listed nodes ahead when asked, as `up` does before starting them', async (t) => {
  const mgmtd = await cluster(t);
  const out = await initChainTable(mgmtd, { ...DEFAULTS, storageNodeIds: [1, 2, 3], registerUnknownNodes: true });
  assert.deepEqual(out.unknownNodes, [1, 2, 3]);
  const routing = await mgmtd.refreshRouting();
  assert.deepEqual(routing.nodes.map((n) => [n.nodeId, n.type, n.status, n.address]), [1, 2, 3].map((id) => [id, 'STORAGE', 'CONNECTING', null]));
  assert.equal(routing.chains.length, 2);
});
