import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findChain, findChainTable, findNode, findTarget } from './lookup.ts';
import type { RoutingInfo } from './types.ts';

const ROUTING: RoutingInfo = {
  version: 7,
  nodes: [{ nodeId: 1, type: 'STORAGE', address: '127.0.0.1:9000', status: 'CONNECTED', lastHeartbeatMs: 1000 }],
  targets: [{ targetId: 1001, nodeId: 1, chainId: 100001, diskIndex: 0, publicState: 'SERVING', localState: 'UPTODATE' }],
  chains: [{ chainId: 100001, chainVersion: 3, targets: [{ targetId: 1001, publicState: 'SERVING' }] }],
  chainTables: [
    { chainTableId: 1, version: 1, chains: [100001] },
    { chainTableId: 1, version: 3, chains: [100001] },
    { chainTableId: 1, version: 2, chains: [100001] },
    { chainTableId: 2, version: 9, chains: [] },
  ],
};

test('lookups find by id and answer null when absent', () => {
  assert.equal(findNode(ROUTING, 1)?.address, '127.0.0.1:9000');
  assert.equal(findTarget(ROUTING, 1001)?.chainId, 100001);
  assert.equal(findChain(ROUTING, 100001)?.chainVersion, 3);
  assert.equal(findNode(ROUTING, 2), null);
  assert.equal(findTarget(ROUTING, 1002), null);
  assert.equal(findChain(ROUTING, 100002), null);
});

test('findChainTable picks the pinned version, or the newest when none is given', () => {
  assert.equal(findChainTable(ROUTING, 1, 2)?.version, 2);
  assert.equal(findChainTable(ROUTING, 1, null)?.version, 3);
  assert.equal(findChainTable(ROUTING, 2, null)?.version, 9);
  assert.equal(findChainTable(ROUTING, 1, 4), null);
  assert.equal(findChainTable(ROUTING, 3, null), null);
});

test('a routing snapshot survives JSON unchanged', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(ROUTING)), ROUTING);
});
