import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import type { NodeId } from '../routing/types.ts';
import { describePlacement } from './describe-placement.ts';
import { generateChainTable } from './generate-chain-table.ts';
import type { ChainTableSpec, GeneratedChainTable } from './generate-chain-table.ts';

/** Chains as lists of node ids, head first. */
function nodesOfChains(g: GeneratedChainTable): NodeId[][] {
  const nodeOf = new Map(g.targets.map((t) => [t.targetId, t.nodeId]));
  return g.chains.map((c) => c.targets.map((t) => nodeOf.get(t.targetId)!));
}

function spread(counts: Map<NodeId, number>): number {
  return Math.max(...counts.values()) - Math.min(...counts.values());
}

test('golden: 4 nodes × 2 targets at replication 2', () => {
  const g = generateChainTable({ chainTableId: 1, storageNodeIds: [10, 20, 30, 40], targetsPerNode: 2, replicationFactor: 2 });
  assert.deepEqual(g.chainTable, { chainTableId: 1, version: 1, chains: [100001, 100002, 100003, 100004] });
  assert.deepEqual(g.chains.map((c) => c.targets.map((t) => t.targetId)), [[10001, 20001], [30001, 40001], [40002, 10002], [20002, 30002]]);
  assert.ok(g.chains.every((c) => c.chainVersion === 1 && c.targets.every((t) => t.publicState === 'SERVING')));
  assert.deepEqual(g.targets.map((t) => [t.targetId, t.nodeId, t.diskIndex, t.chainId]), [
    [10001, 10, 0, 100001], [10002, 10, 1, 100003], [20001, 20, 0, 100001], [20002, 20, 1, 100004],
    [30001, 30, 0, 100002], [30002, 30, 1, 100004], [40001, 40, 0, 100002], [40002, 40, 1, 100003],
  ]);
  assert.ok(g.targets.every((t) => t.publicState === 'SERVING' && t.localState === 'OFFLINE'));
});

test('golden: the `firepond up` default, 3 nodes × 1 target at replication 3, is one chain', () => {
  const g = generateChainTable({ chainTableId: 1, storageNodeIds: [3, 1, 2], targetsPerNode: 1, replicationFactor: 3 });
  assert.deepEqual(nodesOfChains(g), [[1, 2, 3]]);
  assert.deepEqual(g.chains[0]!.targets.map((t) => t.targetId), [1001, 2001, 3001]);
});

test('over 1–12 nodes, 1–8 targets, replication 1–4: distinct nodes per chain, targets and heads per node within ±1', () => {
  for (let n = 1; n <= 12; n++) {
    for (let k = 1; k <= 8; k++) {
      for (let r = 1; r <= Math.min(n, 4); r++) {
        const nodeIds = Array.from({ length: n }, (_, i) => 100 + i);
        const spec: ChainTableSpec = { chainTableId: 5, storageNodeIds: nodeIds, targetsPerNode: k, replicationFactor: r };
        const g = generateChainTable(spec);
        const label = `n=${n} k=${k} r=${r}`;
        const chains = nodesOfChains(g);
        assert.equal(chains.length, Math.floor((n * k) / r), label);
        assert.deepEqual(g.chainTable.chains, g.chains.map((_, i) => 500_001 + i), label);

        const perNode = new Map(nodeIds.map((id) => [id, 0]));
        const heads = new Map(nodeIds.map((id) => [id, 0]));
        for (const chain of chains) {
          assert.equal(new Set(chain).size, r, `${label}: chain on [${chain.join()}]`);
          for (const node of chain) perNode.set(node, perNode.get(node)! + 1);
          heads.set(chain[0]!, heads.get(chain[0]!)! + 1);
        }
        assert.ok(spread(perNode) <= 1, `${label}: targets per node ${[...perNode.values()].join()}`);
        assert.ok(Math.max(...perNode.values()) <= k, label);
        assert.ok(spread(heads) <= 1, `${label}: heads per node ${[...heads.values()].join()}`);

        // Targets: unique ids, sorted, one chain each, disks 0…(used − 1) on each node.
        assert.deepEqual(g.targets.map((t) => t.targetId), [...new Set(g.targets.map((t) => t.targetId))].sort((a, b) => a - b), label);
        assert.equal(g.targets.length, chains.length * r, label);
        for (const id of nodeIds) {
          const disks = g.targets.filter((t) => t.nodeId === id).map((t) => t.diskIndex);
          assert.deepEqual(disks, Array.from({ length: perNode.get(id)! }, (_, i) => i), `${label} node ${id}`);
        }
        const chainOf = new Map(g.targets.map((t) => [t.targetId, t.chainId]));
        for (const c of g.chains) assert.ok(c.targets.every((t) => chainOf.get(t.targetId) === c.chainId), label);
      }
    }
  }
});

test('deterministic: the same spec, in any node order, gives the same table', () => {
  const spec: ChainTableSpec = { chainTableId: 2, storageNodeIds: [5, 9, 1, 7, 3], targetsPerNode: 6, replicationFactor: 3 };
  const a = generateChainTable(spec);
  assert.deepEqual(generateChainTable(spec), a);
  assert.deepEqual(generateChainTable({ ...spec, storageNodeIds: [9, 7, 5, 3, 1] }), a);
});

test('a node shares chains with many peers, so its recovery reads spread out', () => {
  // 7 nodes × 6 targets at replication 3: every node shares a chain with all 6 others (a fixed rotation gives 4).
  const g = generateChainTable({ chainTableId: 1, storageNodeIds: [1, 2, 3, 4, 5, 6, 7], targetsPerNode: 6, replicationFactor: 3 });
  const peers = new Map<NodeId, Set<NodeId>>();
  for (const chain of nodesOfChains(g)) {
    for (const a of chain) for (const b of chain) if (a !== b) peers.set(a, (peers.get(a) ?? new Set()).add(b));
  }
  assert.deepEqual([...peers.values()].map((p) => p.size), [6, 6, 6, 6, 6, 6, 6]);
});

test('impossible or malformed specs are refused', () => {
  const ok: ChainTableSpec = { chainTableId: 1, storageNodeIds: [1, 2, 3], targetsPerNode: 2, replicationFactor: 3 };
  const bad: Partial<ChainTableSpec>[] = [
    { replicationFactor: 4 }, { replicationFactor: 0 }, { targetsPerNode: 0 }, { targetsPerNode: 1000 }, { targetsPerNode: 1.5 },
    { storageNodeIds: [1, 1, 2] }, { storageNodeIds: [-1, 2, 3] }, { storageNodeIds: [] }, { chainTableId: 0 },
    { storageNodeIds: [1, 2, 2 ** 50] },
  ];
  for (const change of bad) {
    assert.throws(() => generateChainTable({ ...ok, ...change }), (err) => hasCode(err, 'INVALID_ARGUMENT'), JSON.stringify(change));
  }
});

test('describePlacement: chains as nodes head first, targets and heads per node', () => {
  const g = generateChainTable({ chainTableId: 1, storageNodeIds: [10, 20, 30, 40], targetsPerNode: 2, replicationFactor: 2 });
  const placement = describePlacement(g.chains, g.targets);
  assert.deepEqual(placement.chains.map((c) => c.replicas.map((r) => r.nodeId)), [[10, 20], [30, 40], [40, 10], [20, 30]]);
  assert.deepEqual(placement.nodes, [10, 20, 30, 40].map((nodeId) => ({ nodeId, targets: 2, heads: 1 })));
});

test('firstDiskIndex: a second table on the same nodes takes the next disks, with the same layout and new target ids', () => {
  const spec: ChainTableSpec = { chainTableId: 1, storageNodeIds: [1, 2, 3], targetsPerNode: 2, replicationFactor: 3 };
  const first = generateChainTable(spec);
  const second = generateChainTable({ ...spec, chainTableId: 2, firstDiskIndex: 2 });
  assert.deepEqual(first.targets.map((t) => t.targetId), [1001, 1002, 2001, 2002, 3001, 3002]);
  assert.deepEqual(second.targets.map((t) => t.targetId), [1003, 1004, 2003, 2004, 3003, 3004]);
  assert.deepEqual(second.targets.map((t) => t.diskIndex), [2, 3, 2, 3, 2, 3]);
  assert.deepEqual(nodesOfChains(second), nodesOfChains(first));
  assert.deepEqual(generateChainTable({ ...spec, firstDiskIndex: 0 }), first, 'absent means 0');
  for (const firstDiskIndex of [-1, 0.5, 998]) {
    assert.throws(() => generateChainTable({ ...spec, firstDiskIndex }), (err) => hasCode(err, 'INVALID_ARGUMENT'), String(firstDiskIndex));
  }
});
