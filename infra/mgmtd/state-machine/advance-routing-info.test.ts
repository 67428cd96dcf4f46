import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateChainTable } from '../placement/generate-chain-table.ts';
import { findChain, findTarget } from '../routing/lookup.ts';
import type { LocalTargetState, RoutingInfo, TargetId } from '../routing/types.ts';
import { advanceRoutingInfo } from './advance-routing-info.ts';
import { formatTargets } from './chain-notation.ts';

// Three storage nodes, one target each, replication 3: one chain 100001 = [1001, 2001, 3001].
function cluster(): RoutingInfo {
  const { chainTable, chains, targets } = generateChainTable({ chainTableId: 1, storageNodeIds: [1, 2, 3], targetsPerNode: 1, replicationFactor: 3 });
  const nodes = [1, 2, 3].map((nodeId) => ({ nodeId, type: 'STORAGE' as const, address: null, status: 'CONNECTED' as const, lastHeartbeatMs: null }));
  return { version: 1, nodes, targets, chains, chainTables: [chainTable] };
}

const states = (entries: Record<TargetId, LocalTargetState>): Map<TargetId, LocalTargetState> =>
  new Map(Object.entries(entries).map(([id, s]) => [Number(id), s]));

test('first heartbeats record local states and bump the routing version, but not the chain', () => {
  const start = cluster();
  assert.equal(formatTargets(start.chains[0]!.targets), '1001 SERVING, 2001 SERVING, 3001 SERVING');
  const step = advanceRoutingInfo(start, states({ 1001: 'UPTODATE', 2001: 'UPTODATE', 3001: 'UPTODATE' }));
  assert.deepEqual(step.changedChainIds, []);
  assert.equal(step.routing.version, 2);
  assert.equal(step.routing.chains[0]!.chainVersion, 1);
  assert.deepEqual(step.routing.targets.map((t) => t.localState), ['UPTODATE', 'UPTODATE', 'UPTODATE']);
});

test('nothing new: the same snapshot comes back, version unchanged', () => {
  const up = advanceRoutingInfo(cluster(), states({ 1001: 'UPTODATE', 2001: 'UPTODATE', 3001: 'UPTODATE' })).routing;
  const again = advanceRoutingInfo(up, states({ 1001: 'UPTODATE', 2001: 'UPTODATE', 3001: 'UPTODATE' }));
  assert.equal(again.routing, up);
  assert.deepEqual(again.changedChainIds, []);
});

test('a silent node: its target goes OFFLINE in its chain and on the target, once', () => {
  const up = advanceRoutingInfo(cluster(), states({ 1001: 'UPTODATE', 2001: 'UPTODATE', 3001: 'UPTODATE' })).routing;
  const step = advanceRoutingInfo(up, states({ 2001: 'UPTODATE', 3001: 'UPTODATE' }));
  assert.deepEqual(step.changedChainIds, [100001]);
  assert.equal(step.routing.version, 3);
  const chain = findChain(step.routing, 100001)!;
  assert.equal(formatTargets(chain.targets), '2001 SERVING, 3001 SERVING, 1001 OFFLINE');
  assert.equal(chain.chainVersion, 2);
  assert.deepEqual(findTarget(step.routing, 1001), {
    targetId: 1001, nodeId: 1, chainId: 100001, diskIndex: 0, publicState: 'OFFLINE', localState: 'OFFLINE',
  });
  // Untouched parts are shared, not copied.
  assert.equal(step.routing.nodes, up.nodes);
  assert.equal(findTarget(step.routing, 2001), findTarget(up, 2001));
  assert.equal(step.routing.chainTables, up.chainTables);
});

test('only the chains with a changed target are reported', () => {
  const { chainTable, chains, targets } = generateChainTable({ chainTableId: 2, storageNodeIds: [1, 2, 3, 4], targetsPerNode: 2, replicationFactor: 2 });
  const routing: RoutingInfo = { version: 10, nodes: [], targets, chains, chainTables: [chainTable] };
  const allUp = new Map(targets.map((t) => [t.targetId, 'UPTODATE' as const]));
  const up = advanceRoutingInfo(routing, allUp).routing;
  const withoutNode4 = new Map(targets.filter((t) => t.nodeId !== 4).map((t) => [t.targetId, 'UPTODATE' as const]));
  const step = advanceRoutingInfo(up, withoutNode4);
  const expected = chains.filter((c) => c.targets.some((t) => findTarget(routing, t.targetId)!.nodeId === 4)).map((c) => c.chainId);
  assert.deepEqual(step.changedChainIds, expected);
  assert.equal(expected.length, 2);
  assert.equal(step.routing.version, 12);
});
