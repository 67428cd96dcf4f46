import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import { findChain, findNode, findTarget } from '../routing/lookup.ts';
import { formatTargets } from '../state-machine/chain-notation.ts';
import { beat, call, elapse, FAILURE_INTERVAL_MS, memoryKv, storageCluster, testClock, testMgmtd } from './test-kit.ts';

test('registration: a new node is CONNECTING and bumps the version; registering again changes nothing', async (t) => {
  const clock = testClock();
  const mgmtd = await testMgmtd(t, await memoryKv(t), clock, { address: 'm1:1' });
  await mgmtd.renewLease();
  assert.equal(mgmtd.leaseStatus(), 'PRIMARY');
  const v0 = (await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null })).routingVersion;

  const first = await call(mgmtd, 'registerNode', { nodeId: 7, type: 'META', address: '127.0.0.1:7000' });
  assert.deepEqual(first.node, { nodeId: 7, type: 'META', address: '127.0.0.1:7000', status: 'CONNECTING', lastHeartbeatMs: null });
  assert.equal(first.routingVersion, v0 + 1);
  const again = await call(mgmtd, 'registerNode', { nodeId: 7, type: 'META', address: '127.0.0.1:7000' });
  assert.equal(again.routingVersion, v0 + 1);
  const moved = await call(mgmtd, 'registerNode', { nodeId: 7, type: 'META', address: '127.0.0.1:7001' });
  assert.equal(moved.routingVersion, v0 + 2);
  assert.deepEqual((await call(mgmtd, 'listNodes', null)).nodes.map((n) => n.address), ['127.0.0.1:7001']);
});

test('heartbeats connect nodes and record local states; ifNewerThan answers null when nothing is newer', async (t) => {
  const clock = testClock();
  const mgmtd = await testMgmtd(t, await memoryKv(t), clock, { address: 'm1:1' });
  await mgmtd.renewLease();
  await storageCluster(mgmtd, 3);
  for (const id of [1, 2, 3]) await beat(mgmtd, id);
  const { routing } = await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null });
  assert.ok(routing !== null);
  assert.deepEqual(routing.nodes.map((n) => [n.status, n.lastHeartbeatMs]), [1, 2, 3].map(() => ['CONNECTED', clock.now()]));
  assert.deepEqual(routing.targets.map((t) => t.localState), ['UPTODATE', 'UPTODATE', 'UPTODATE']);
  assert.equal(formatTargets(findChain(routing, 100001)!.targets), '1001 SERVING, 2001 SERVING, 3001 SERVING');
  assert.equal(findChain(routing, 100001)!.chainVersion, 1);

  // A steady heartbeat changes no routing: same version, and the reply carries no snapshot for an up-to-date node.
  await elapse(clock, 1_000, mgmtd);
  const steady = await call(mgmtd, 'heartbeat', { nodeId: 1, targets: [{ targetId: 1001, localState: 'UPTODATE' }], routingVersion: routing.version });
  assert.deepEqual(steady, { routingVersion: routing.version, routing: null, failureIntervalMs: FAILURE_INTERVAL_MS });
  assert.equal((await call(mgmtd, 'getRoutingInfo', { ifNewerThan: routing.version })).routing, null);
  const stale = await call(mgmtd, 'heartbeat', { nodeId: 2, targets: [], routingVersion: routing.version - 1 });
  assert.equal(stale.routing?.version, routing.version);
});

test('heartbeats are refused from unregistered nodes and for other nodes\' targets', async (t) => {
  const mgmtd = await testMgmtd(t, await memoryKv(t), testClock(), { address: 'm1:1' });
  await mgmtd.renewLease();
  await storageCluster(mgmtd, 2);
  await assert.rejects(beat(mgmtd, 9), (err) => hasCode(err, 'MGMTD_UNKNOWN_NODE'));
  await assert.rejects(
    call(mgmtd, 'heartbeat', { nodeId: 1, targets: [{ targetId: 2001, localState: 'UPTODATE' }], routingVersion: 0 }),
    (err) => hasCode(err, 'INVALID_ARGUMENT'),
  );
  await assert.rejects(
    call(mgmtd, 'createChainTable', { spec: { chainTableId: 1, storageNodeIds: [1, 2], targetsPerNode: 1, replicationFactor: 2 } }),
    (err) => hasCode(err, 'INVALID_ARGUMENT') && /exists/.test(err.message),
  );
});

test('failure detection: a silent node is FAILED, its target OFFLINE, the chain steps and the version bumps once', async (t) => {
  const clock = testClock();
  const mgmtd = await testMgmtd(t, await memoryKv(t), clock, { address: 'm1:1' });
  await mgmtd.renewLease();
  await storageCluster(mgmtd, 3);
  for (const id of [1, 2, 3]) await beat(mgmtd, id);
  const before = (await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null })).routing!;

  // Nodes 2 and 3 keep beating; node 1 falls silent past the failure interval.
  await elapse(clock, FAILURE_INTERVAL_MS - 1, mgmtd);
  await beat(mgmtd, 2);
  await beat(mgmtd, 3);
  await mgmtd.checkHeartbeats();
  assert.equal((await call(mgmtd, 'getRoutingInfo', { ifNewerThan: before.version })).routing, null, 'not yet silent long enough');
  await elapse(clock, 1, mgmtd);
  await mgmtd.checkHeartbeats();
  const after = (await call(mgmtd, 'getRoutingInfo', { ifNewerThan: before.version })).routing!;
  assert.equal(after.version, before.version + 1);
  assert.equal(findNode(after, 1)!.status, 'FAILED');
  assert.equal(findTarget(after, 1001)!.localState, 'OFFLINE');
  assert.equal(findTarget(after, 1001)!.publicState, 'OFFLINE');
  const chain = findChain(after, 100001)!;
  assert.equal(formatTargets(chain.targets), '2001 SERVING, 3001 SERVING, 1001 OFFLINE');
  assert.equal(chain.chainVersion, 2);
  await mgmtd.checkHeartbeats();
  assert.equal((await call(mgmtd, 'getRoutingInfo', { ifNewerThan: after.version })).routing, null, 'a FAILED node is not failed again');

  // It comes back needing a sync: CONNECTED again, its target SYNCING behind the serving ones.
  await beat(mgmtd, 1, 'ONLINE');
  const back = (await call(mgmtd, 'getRoutingInfo', { ifNewerThan: after.version })).routing!;
  assert.equal(findNode(back, 1)!.status, 'CONNECTED');
  assert.equal(formatTargets(findChain(back, 100001)!.targets), '2001 SERVING, 3001 SERVING, 1001 SYNCING');
  await beat(mgmtd, 1, 'UPTODATE');
  const synced = (await call(mgmtd, 'getRoutingInfo', { ifNewerThan: back.version })).routing!;
  assert.equal(formatTargets(findChain(synced, 100001)!.targets), '2001 SERVING, 3001 SERVING, 1001 SERVING');
});

test('a chain is held still until every node of its targets has reported once, or failed', async (t) => {
  const clock = testClock();
  const mgmtd = await testMgmtd(t, await memoryKv(t), clock, { address: 'm1:1' });
  await mgmtd.renewLease();
  await storageCluster(mgmtd, 3);
  await beat(mgmtd, 1);
  await beat(mgmtd, 2);
  let routing = (await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null })).routing!;
  assert.equal(formatTargets(findChain(routing, 100001)!.targets), '1001 SERVING, 2001 SERVING, 3001 SERVING');
  assert.equal(findNode(routing, 3)!.status, 'CONNECTING');

  await elapse(clock, FAILURE_INTERVAL_MS, mgmtd);
  await beat(mgmtd, 1);
  await beat(mgmtd, 2);
  await mgmtd.checkHeartbeats();
  routing = (await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null })).routing!;
  assert.equal(findNode(routing, 3)!.status, 'FAILED');
  assert.equal(formatTargets(findChain(routing, 100001)!.targets), '1001 SERVING, 2001 SERVING, 3001 OFFLINE');
});

test('concurrent mutations apply one after another, each in its own transaction', async (t) => {
  const mgmtd = await testMgmtd(t, await memoryKv(t), testClock(), { address: 'm1:1' });
  await mgmtd.renewLease();
  const v0 = (await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null })).routingVersion;
  const ids = Array.from({ length: 20 }, (_, i) => i + 1);
  const rsps = await Promise.all(ids.map((nodeId) => call(mgmtd, 'registerNode', { nodeId, type: 'CLIENT', address: null })));
  assert.deepEqual(rsps.map((r) => r.routingVersion).sort((x, y) => x - y), ids.map((i) => v0 + i));
  const { routing } = await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null });
  assert.deepEqual(routing?.nodes.map((n) => n.nodeId), ids);
});
