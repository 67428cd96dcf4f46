import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../infra/errors.ts';
import type { ChainTargetInfo } from '../infra/mgmtd/index.ts';
import { FaultRules } from '../infra/rpc/index.ts';
import { cid, payload, rawStub, replicaStates, startFabric } from './test-kit.ts';

const WHOLE = { offset: 0, length: 64 * 1024 };

test('writes replicate to every replica with identical committed data and versions', async (t) => {
  const fabric = await startFabric(t);
  const chain = fabric.chain(100001);
  const ids = chain.targets.map((x) => x.targetId);
  assert.equal(ids.length, 3);

  const v1 = payload(1, 5000);
  const first = await fabric.client.write({ chainId: chain.chainId, chunkId: cid(1, 0), offset: 0, data: v1 });
  assert.deepEqual(first, { commitVer: 1, chunkLength: 5000, chunkCrc32c: crc32c(v1) });
  const patch = payload(2, 300);
  const second = await fabric.client.write({ chainId: chain.chainId, chunkId: cid(1, 0), offset: 4900, data: patch });
  const expected = Buffer.concat([v1.subarray(0, 4900), patch]);
  assert.deepEqual(second, { commitVer: 2, chunkLength: 5200, chunkCrc32c: crc32c(expected) });

  const states = replicaStates(fabric, ids, cid(1, 0));
  assert.deepEqual(states, ids.map(() => ({ commitVer: 2, length: 5200, crc32c: crc32c(expected), state: 'COMMIT' })));
  for (const id of ids) assert.deepEqual((await fabric.engine(id).read(cid(1, 0), WHOLE)).data, expected, `target ${id}`);
});

test('reads from every replica return the committed data; batches spread over chains', async (t) => {
  const fabric = await startFabric(t, { targetsPerNode: 2 });
  const chains = fabric.routing.current().chains.map((c) => c.chainId);
  assert.equal(chains.length, 2);
  const layout = { chainTableId: 1, tableVersion: 1, chunkSize: 64 * 1024, stripe: 2, baseIndex: 0, seed: 7 };
  const writes = Array.from({ length: 8 }, (_, i) => ({ chainId: fabric.client.chainOf(layout, i), chunkId: cid(2, i), offset: 0, data: payload(10 + i, 1000 + i * 100) }));
  assert.deepEqual(new Set(writes.map((w) => w.chainId)), new Set(chains), 'the file spreads over both chains');
  const written = await fabric.client.batchWrite(writes);
  assert.ok(written.every((r) => r.ok && r.value.commitVer === 1));

  for (const w of writes) {
    for (const target of fabric.chain(w.chainId).targets) {
      const rsp = await rawStub(t, fabric, target.targetId).read({ chunkId: w.chunkId, chainId: w.chainId, chainVer: fabric.chain(w.chainId).chainVersion, ...WHOLE });
      assert.deepEqual(Buffer.from(rsp.data!), w.data, `target ${target.targetId}`);
      assert.equal(rsp.commitVer, 1);
    }
  }
  const read = await fabric.client.batchRead(writes.map((w) => ({ chainId: w.chainId, chunkId: w.chunkId, offset: 10, length: 50 })));
  read.forEach((r, i) => assert.deepEqual(r.ok ? r.value.data : r.error, writes[i]!.data.subarray(10, 60)));
  const last = await fabric.client.queryLastChunk(writes[7]!.chainId, 2n);
  assert.deepEqual(Buffer.from(last.meta!.chunkId), Buffer.from(cid(2, 7)));
});

test('a stale chain version or a non-head target is refused with a typed routing error', async (t) => {
  const fabric = await startFabric(t);
  const chain = fabric.chain(100001);
  const [head, middle] = chain.targets;
  const data = payload(3, 100);
  const write = { chunkId: cid(3, 0), chainId: chain.chainId, offset: 0, crc32c: crc32c(data), data };
  const tag = { clientId: 'raw', channel: 1, seqnum: 1 };

  await assert.rejects(rawStub(t, fabric, head!.targetId).write({ ...write, chainVer: chain.chainVersion + 5, tag }), (e) => hasCode(e, 'STORAGE_CHAIN_VERSION_MISMATCH'));
  await assert.rejects(rawStub(t, fabric, middle!.targetId).write({ ...write, chainVer: chain.chainVersion, tag: { ...tag, seqnum: 2 } }), (e) => hasCode(e, 'STORAGE_ROUTING_ERROR'));
  await assert.rejects(
    rawStub(t, fabric, head!.targetId).read({ chunkId: cid(3, 0), chainId: chain.chainId, chainVer: chain.chainVersion - 1, ...WHOLE }),
    (e) => hasCode(e, 'STORAGE_CHAIN_VERSION_MISMATCH'),
  );
});

test('the client refreshes routing after a chain change and retries at the new head', async (t) => {
  const fabric = await startFabric(t);
  const chainId = 100001;
  const before = fabric.chain(chainId);
  // The client's routing lags until it asks: it still holds the snapshot from before the change.
  let held = fabric.routing.current();
  let refreshes = 0;
  const lagging = {
    current: () => held,
    refresh: () => {
      refreshes += 1;
      held = fabric.routing.current();
      return Promise.resolve(held);
    },
  };
  const client = fabric.newClient({ routing: lagging });
  await client.write({ chainId, chunkId: cid(4, 0), offset: 0, data: payload(4, 2000) });

  const rotated: ChainTargetInfo[] = [...before.targets.slice(1), before.targets[0]!];
  fabric.setChain(chainId, rotated);
  const data = payload(5, 2500);
  const rsp = await client.write({ chainId, chunkId: cid(4, 0), offset: 0, data });
  assert.equal(rsp.commitVer, 2);
  assert.ok(refreshes >= 1, 'the client refreshed routing');
  const ids = rotated.map((x) => x.targetId);
  assert.deepEqual(replicaStates(fabric, ids, cid(4, 0)), ids.map(() => ({ commitVer: 2, length: 2500, crc32c: crc32c(data), state: 'COMMIT' })));
  assert.deepEqual((await client.read({ chainId, chunkId: cid(4, 0), offset: 0, length: 2500 })).data, data);
});

test('a retried write whose reply was lost is applied once', async (t) => {
  const faults = new FaultRules().add({ method: 'storage.write', side: 'server', action: { kind: 'dropReply' }, times: 1 });
  const fabric = await startFabric(t, { serverFaults: () => faults, clientRpc: { timeoutMs: 400 } });
  const chain = fabric.chain(100001);
  const data = payload(6, 3000);
  const rsp = await fabric.client.write({ chainId: chain.chainId, chunkId: cid(6, 0), offset: 0, data });
  assert.equal(faults.injected, 1, 'the first reply was dropped');
  assert.equal(rsp.commitVer, 1, 'the retry got the first attempt’s result');
  const ids = chain.targets.map((x) => x.targetId);
  assert.deepEqual(replicaStates(fabric, ids, cid(6, 0)), ids.map(() => ({ commitVer: 1, length: 3000, crc32c: crc32c(data), state: 'COMMIT' })));

  // A late copy of an older write on the same channel is refused rather than applied again.
  const stub = rawStub(t, fabric, chain.targets[0]!.targetId);
  const base = { chunkId: cid(6, 1), chainId: chain.chainId, chainVer: chain.chainVersion, offset: 0, crc32c: crc32c(data), data };
  await stub.write({ ...base, tag: { clientId: 'c', channel: 1, seqnum: 2 } });
  await assert.rejects(stub.write({ ...base, tag: { clientId: 'c', channel: 1, seqnum: 1 } }), (e) => hasCode(e, 'STORAGE_DUPLICATE_UPDATE'));
});

test('a read racing an uncommitted write never returns data older than what it may see', async (t) => {
  const forward = new FaultRules().add({ method: 'storage.update', side: 'client', action: { kind: 'delay', ms: 300 }, times: 1 });
  const fabric = await startFabric(t, { forwardFaults: () => forward });
  const chain = fabric.chain(100001);
  const head = chain.targets[0]!.targetId;
  const id = cid(7, 0);
  const v1 = payload(7, 4000);
  const v2 = payload(8, 4000);
  await fabric.client.write({ chainId: chain.chainId, chunkId: id, offset: 0, data: v1 });

  const writing = fabric.client.write({ chainId: chain.chainId, chunkId: id, offset: 0, data: v2 });
  while (fabric.engine(head).stat(id)?.state !== 'PENDING') await new Promise((resolve) => setTimeout(resolve, 2));

  const req = { chunkId: id, chainId: chain.chainId, chainVer: chain.chainVersion, ...WHOLE };
  await assert.rejects(rawStub(t, fabric, head).read(req), (e) => hasCode(e, 'STORAGE_NOT_COMMITTED'), 'the head holds the pending version');
  // The write is in flight: a replica answers the old version, the new one (the tail commits first) or "not
  // committed"; never a mix, and once a reader saw the new version no later read returns the old one.
  let seenNew = false;
  const check = (got: { data: Buffer; commitVer: number }, where: string): void => {
    if (got.commitVer === 2) seenNew = true;
    else assert.ok(!seenNew, `${where} went back to the old version`);
    assert.ok((got.commitVer === 1 && got.data.equals(v1)) || (got.commitVer === 2 && got.data.equals(v2)), `${where}: version ${got.commitVer} with other data`);
  };
  for (const target of [...chain.targets.slice(1)].reverse()) {
    const rsp = await rawStub(t, fabric, target.targetId).read(req).catch((e: unknown) => (hasCode(e, 'STORAGE_NOT_COMMITTED') ? null : Promise.reject(e)));
    if (rsp !== null) check({ data: Buffer.from(rsp.data!), commitVer: rsp.commitVer }, `target ${target.targetId}`);
  }
  check(await fabric.client.read({ chainId: chain.chainId, chunkId: id, offset: 0, length: 4000 }), 'the client');

  assert.equal((await writing).commitVer, 2);
  for (const target of chain.targets) assert.deepEqual(Buffer.from((await rawStub(t, fabric, target.targetId).read(req)).data!), v2);
});

test('a forwarded payload corrupted on the way is rejected by the successor; the retry repairs the chain', async (t) => {
  let corrupted = 0;
  const fabric = await startFabric(t, {
    storageFaults: () => ({
      alterForward: (req) => {
        if (corrupted > 0 || req.data === null || req.data.length === 0) return req;
        corrupted += 1;
        const data = Buffer.from(req.data);
        data[0] = data[0]! ^ 0xff;
        return { ...req, data };
      },
    }),
  });
  const chain = fabric.chain(100001);
  const ids = chain.targets.map((x) => x.targetId);
  const data = payload(9, 2048);
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(9, 0), offset: 0, data });
  assert.equal(corrupted, 1);
  const states = replicaStates(fabric, ids, cid(9, 0));
  assert.ok(states.every((s) => JSON.stringify(s) === JSON.stringify(states[0])), JSON.stringify(states));
  // Version 1 stayed pending at the head when its round failed; the retry took version 2 rather than reuse it.
  assert.deepEqual(states[0], { commitVer: 2, length: 2048, crc32c: crc32c(data), state: 'COMMIT' });
  for (const id of ids) assert.deepEqual((await fabric.engine(id).read(cid(9, 0), WHOLE)).data, data);

  const bad = payload(10, 64);
  await assert.rejects(
    rawStub(t, fabric, ids[1]!).update({ chunkId: cid(9, 1), chainId: chain.chainId, chainVer: chain.chainVersion, kind: 'WRITE', tags: [],
      updateVer: 1, offset: 0, crc32c: crc32c(bad) ^ 1, data: bad }),
    (e) => hasCode(e, 'STORAGE_CHECKSUM_MISMATCH'),
  );
  assert.equal(fabric.engine(ids[1]!).stat(cid(9, 1)), null, 'nothing was stored');
});

test('a dead middle replica: the write retries until routing drops it, then the shorter chain commits it', async (t) => {
  const fabric = await startFabric(t);
  const chain = fabric.chain(100001);
  const [a, b, c] = chain.targets.map((x) => x.targetId) as [number, number, number];
  const id = cid(11, 0);
  await fabric.client.write({ chainId: chain.chainId, chunkId: id, offset: 0, data: payload(11, 1000) });
  await fabric.servers.get(Math.floor(b / 1000))!.close();

  const data = payload(12, 1500);
  const writing = fabric.client.write({ chainId: chain.chainId, chunkId: id, offset: 0, data });
  // The head staged version 2 and cannot forward it; mgmtd notices the failure and changes the chain.
  while (fabric.engine(a).stat(id)?.state !== 'PENDING') await new Promise((resolve) => setTimeout(resolve, 2));
  fabric.setChain(chain.chainId, [
    { targetId: a, publicState: 'SERVING' },
    { targetId: c, publicState: 'SERVING' },
    { targetId: b, publicState: 'OFFLINE' },
  ]);
  const rsp = await writing;
  assert.equal(rsp.chunkCrc32c, crc32c(data));
  assert.deepEqual(replicaStates(fabric, [a, c], id), [a, c].map(() => ({ commitVer: rsp.commitVer, length: 1500, crc32c: crc32c(data), state: 'COMMIT' })));
  assert.deepEqual((await fabric.client.read({ chainId: chain.chainId, chunkId: id, offset: 0, length: 1500 })).data, data);
});
