import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryKvEngine } from '../../kv/index.ts';
import { generateChainTable } from '../placement/generate-chain-table.ts';
import type { RoutingInfo } from '../routing/types.ts';
import { loadRouting, ROUTING_KEYS, writeRoutingChanges } from './routing-store.ts';

test('a fresh keyspace loads as version 0 with nothing in it', async (t) => {
  const kv = await MemoryKvEngine.create();
  t.after(() => kv.close());
  assert.deepEqual(await kv.transact(loadRouting), { version: 0, nodes: [], targets: [], chains: [], chainTables: [] });
});

test('changes round-trip in id order, only changed records are written, removed ones are cleared', async (t) => {
  const kv = await MemoryKvEngine.create();
  t.after(() => kv.close());
  const empty = await kv.transact(loadRouting);
  const { chainTable, chains, targets } = generateChainTable({ chainTableId: 2, storageNodeIds: [300, 20, 1], targetsPerNode: 1, replicationFactor: 3 });
  const nodes = [1, 20, 300].map((nodeId) => ({ nodeId, type: 'STORAGE' as const, address: null, status: 'CONNECTING' as const, lastHeartbeatMs: null }));
  const full: RoutingInfo = { version: 5, nodes, targets, chains, chainTables: [chainTable] };
  await kv.transact(async (tx) => writeRoutingChanges(tx, empty, full));
  const loaded = await kv.transact(loadRouting);
  assert.deepEqual(loaded, full);

  // Same objects: nothing but the changed node is set; a dropped node is cleared.
  const changed: RoutingInfo = { ...loaded, nodes: [{ ...loaded.nodes[0]!, address: 'x:1' }, loaded.nodes[1]!] };
  const written = await kv.transact(async (tx) => {
    const sets: string[] = [];
    const clears: string[] = [];
    const spy = new Proxy(tx, {
      get: (target, prop) => {
        if (prop === 'set') return (k: Buffer, v: Buffer) => (sets.push(k.subarray(4, 8).toString()), target.set(k, v));
        if (prop === 'clear') return (k: Buffer) => (clears.push(k.subarray(4, 8).toString()), target.clear(k));
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    writeRoutingChanges(spy, loaded, changed);
    return { sets, clears };
  });
  assert.deepEqual(written, { sets: ['NODE'], clears: ['NODE'] });
  assert.deepEqual((await kv.transact(loadRouting)).nodes.map((n) => [n.nodeId, n.address]), [[1, 'x:1'], [20, null]]);
  assert.equal(ROUTING_KEYS.node(1).compare(ROUTING_KEYS.node(256)), -1, 'ids sort numerically');
});

test('the version never goes back', async (t) => {
  const kv = await MemoryKvEngine.create();
  t.after(() => kv.close());
  const empty = await kv.transact(loadRouting);
  await assert.rejects(kv.transact(async (tx) => writeRoutingChanges(tx, { ...empty, version: 3 }, empty)), /would go back/);
});
