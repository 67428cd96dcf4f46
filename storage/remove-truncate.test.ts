import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode, RpcError } from '../infra/errors.ts';
import type { TargetId } from '../infra/mgmtd/index.ts';
import type { RpcFaults } from '../infra/rpc/index.ts';
import { cid, payload, replicaStates, startFabric } from './test-kit.ts';

const WHOLE = { offset: 0, length: 64 * 1024 };

test('truncate cuts or zero-extends a chunk on every replica; a missing chunk is created', async (t) => {
  const fabric = await startFabric(t);
  const chain = fabric.chain(100001);
  const ids = chain.targets.map((x) => x.targetId);
  const data = payload(1, 5000);
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(3, 0), offset: 0, data });

  const cut = await fabric.client.truncate({ chainId: chain.chainId, chunkId: cid(3, 0), length: 1200 });
  assert.deepEqual(cut, { commitVer: 2, chunkLength: 1200, chunkCrc32c: crc32c(data.subarray(0, 1200)) });
  const grown = await fabric.client.truncate({ chainId: chain.chainId, chunkId: cid(3, 0), length: 2000 });
  const expected = Buffer.concat([data.subarray(0, 1200), Buffer.alloc(800)]);
  assert.deepEqual(grown, { commitVer: 3, chunkLength: 2000, chunkCrc32c: crc32c(expected) });
  assert.deepEqual(replicaStates(fabric, ids, cid(3, 0)), ids.map(() => ({ commitVer: 3, length: 2000, crc32c: crc32c(expected), state: 'COMMIT' })));
  for (const id of ids) assert.deepEqual((await fabric.engine(id).read(cid(3, 0), WHOLE)).data, expected, `target ${id}`);

  const created = await fabric.client.truncate({ chainId: chain.chainId, chunkId: cid(3, 1), length: 100 });
  assert.deepEqual(created, { commitVer: 1, chunkLength: 100, chunkCrc32c: crc32c(Buffer.alloc(100)) });
  await assert.rejects(fabric.client.truncate({ chainId: chain.chainId, chunkId: cid(3, 0), length: 1 << 30 }), (e) => hasCode(e, 'INVALID_ARGUMENT') && /truncate length/.test((e as Error).message));
});

test('remove deletes a chunk on every replica; removing it again, or a chunk never written, succeeds', async (t) => {
  const fabric = await startFabric(t);
  const chain = fabric.chain(100001);
  const ids = chain.targets.map((x) => x.targetId);
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(4, 0), offset: 0, data: payload(4, 3000) });
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(4, 1), offset: 0, data: payload(5, 3000) });

  await fabric.client.remove({ chainId: chain.chainId, chunkId: cid(4, 0) });
  for (const id of ids) {
    assert.equal(fabric.engine(id).stat(cid(4, 0)), null, `target ${id} no longer holds the chunk`);
    assert.notEqual(fabric.engine(id).stat(cid(4, 1)), null, `target ${id} keeps the other chunk`);
  }
  await assert.rejects(fabric.client.read({ chainId: chain.chainId, chunkId: cid(4, 0), ...WHOLE }), (e) => hasCode(e, 'STORAGE_CHUNK_NOT_FOUND'));
  await fabric.client.remove({ chainId: chain.chainId, chunkId: cid(4, 0) });
  await fabric.client.remove({ chainId: chain.chainId, chunkId: cid(4, 9) });
  const batch = await fabric.client.batchRemove([{ chainId: chain.chainId, chunkId: cid(4, 1) }, { chainId: chain.chainId, chunkId: cid(4, 2) }]);
  assert.ok(batch.every((r) => r.ok));
  for (const id of ids) assert.deepEqual(fabric.engine(id).listChunks({ begin: null, end: null, limit: null }), [], `target ${id} is empty`);

  // The chunk can be written again from scratch after its removal.
  const again = await fabric.client.write({ chainId: chain.chainId, chunkId: cid(4, 0), offset: 0, data: payload(6, 10) });
  assert.equal(again.chunkLength, 10);
});

test('a remove whose forward fails leaves every replica readable, and its retry completes it', async (t) => {
  let dropUpdates = true;
  const faults: RpcFaults = {
    decide: (p) => (dropUpdates && p.method === 'update' ? { kind: 'fail', error: RpcError.CONNECTION_CLOSED(p.peer, 'injected') } : null),
  };
  const fabric = await startFabric(t, { forwardFaults: (nodeId) => (nodeId === 1 ? faults : null), client: { maxAttempts: 1 } });
  const chain = fabric.chain(100001);
  const ids = chain.targets.map((x) => x.targetId);
  const data = payload(7, 2000);
  dropUpdates = false;
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(5, 0), offset: 0, data });
  dropUpdates = true;
  await assert.rejects(fabric.client.remove({ chainId: chain.chainId, chunkId: cid(5, 0) }));
  for (const id of ids) assert.deepEqual((await fabric.engine(id).read(cid(5, 0), WHOLE)).data, data, `target ${id} still serves the chunk`);
  dropUpdates = false;
  await fabric.client.remove({ chainId: chain.chainId, chunkId: cid(5, 0) });
  for (const id of ids) assert.equal(fabric.engine(id).stat(cid(5, 0)), null, `target ${id}`);
});

test('a remove reaches a SYNCING successor, whatever versions it holds', async (t) => {
  const fabric = await startFabric(t);
  const chainId = 100001;
  const [a, b, c] = fabric.chain(chainId).targets.map((x) => x.targetId) as [TargetId, TargetId, TargetId];
  await fabric.client.write({ chainId, chunkId: cid(6, 0), offset: 0, data: payload(8, 900) });
  const stale = payload(9, 500);
  fabric.setChain(chainId, [
    { targetId: a, publicState: 'SERVING' },
    { targetId: b, publicState: 'SERVING' },
    { targetId: c, publicState: 'SYNCING' },
  ]);
  await fabric.engine(c).applyFull(cid(6, 0), { data: stale, crc32c: crc32c(stale), commitVer: 40, chainVer: 1 });
  await fabric.client.remove({ chainId, chunkId: cid(6, 0) });
  for (const id of [a, b, c]) assert.equal(fabric.engine(id).stat(cid(6, 0)), null, `target ${id}`);
});
