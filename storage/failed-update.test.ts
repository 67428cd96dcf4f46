import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultRules } from '../infra/rpc/index.ts';
import { hasCode } from '../infra/errors.ts';
import { cid, payload, rawStub, replicaStates, startFabric } from './test-kit.ts';

const WHOLE = { offset: 0, length: 64 * 1024 };

/**
 * A write whose round fails at the head after the rest of the chain committed it: the head's reply from its
 * successor is lost, so the client is told it failed, while the middle and the tail serve the new version.
 */
async function failedRound(t: TestContext) {
  const forward = new FaultRules();
  const fabric = await startFabric(t, { forwardFaults: () => forward, forwardTimeoutMs: 300, client: { maxAttempts: 1 } });
  const chain = fabric.chain(100001);
  const ids = chain.targets.map((x) => x.targetId);
  const w0 = payload(0, 1000);
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(50, 0), offset: 0, data: w0 });
  forward.add({ method: 'storage.update', side: 'client', action: { kind: 'dropReply' }, times: 1 });
  const w1 = payload(1, 1000);
  await assert.rejects(fabric.client.write({ chainId: chain.chainId, chunkId: cid(50, 0), offset: 0, data: w1 }));
  assert.deepEqual((await fabric.engine(ids[2]!).read(cid(50, 0), WHOLE)).data, w1, 'the tail committed and serves the failed write');
  assert.notEqual(fabric.engine(ids[0]!).stat(cid(50, 0))?.pending, null, 'the head still holds it pending');
  return { fabric, chain, ids, w1 };
}

test('the write after a failed round builds on the failed version, which readers may have seen, not on the older one', async (t) => {
  const { fabric, chain, ids, w1 } = await failedRound(t);
  const patch = payload(2, 100);
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(50, 0), offset: 500, data: patch });
  const expected = Buffer.from(w1);
  expected.set(patch, 500);
  assert.deepEqual(replicaStates(fabric, ids, cid(50, 0)).map((s) => (s as { crc32c: number }).crc32c), ids.map(() => crc32c(expected)));
  for (const id of ids) assert.deepEqual((await fabric.engine(id).read(cid(50, 0), WHOLE)).data, expected, `target ${id}`);
});

test('a failed round nobody retries is completed by the head, so reads stop answering "not committed"', async (t) => {
  const { fabric, chain, ids, w1 } = await failedRound(t);
  const deadline = Date.now() + 15_000;
  while (fabric.engine(ids[0]!).stat(cid(50, 0))?.pending != null && Date.now() < deadline) await sleep(50);
  for (const id of ids) {
    assert.equal(fabric.engine(id).stat(cid(50, 0))?.pending, null, `target ${id} holds no pending version`);
    assert.deepEqual((await fabric.engine(id).read(cid(50, 0), WHOLE)).data, w1, `target ${id}`);
  }
  const read = await fabric.newClient().read({ chainId: chain.chainId, chunkId: cid(50, 0), ...WHOLE });
  assert.deepEqual(read.data, w1);
});

test('a late copy of an older update does not replace a newer pending version at a successor', async (t) => {
  const fabric = await startFabric(t);
  const chain = fabric.chain(100001);
  const [, b] = chain.targets.map((x) => x.targetId);
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(51, 0), offset: 0, data: payload(0, 500) });
  // B holds version 3 pending (a retry at a newer version got there first); version 2 arrives late.
  const newer = payload(3, 500);
  await fabric.engine(b!).replace(cid(51, 0), { data: newer, crc32c: crc32c(newer), updateVer: 3, chainVer: chain.chainVersion });
  const late = payload(2, 500);
  const stub = rawStub(t, fabric, b!);
  await assert.rejects(
    stub.update({ chunkId: cid(51, 0), chainId: chain.chainId, chainVer: chain.chainVersion, kind: 'REPLACE', tags: [], updateVer: 2, offset: 0, crc32c: crc32c(late), data: late }),
    (e) => hasCode(e, 'STORAGE_NOT_COMMITTED') && /arrived after version 3/.test((e as Error).message),
  );
  assert.equal(fabric.engine(b!).stat(cid(51, 0))?.pending?.updateVer, 3, 'the newer pending version stays');
});

test('the retry of a write whose round failed completes it instead of applying it again over a later write', async (t) => {
  const forward = new FaultRules();
  const fabric = await startFabric(t, { forwardFaults: () => forward, forwardTimeoutMs: 300 });
  const chain = fabric.chain(100001);
  const ids = chain.targets.map((x) => x.targetId);
  const head = rawStub(t, fabric, ids[0]!);
  const w1 = Buffer.from('AAAAAAAA');
  const tag = { clientId: 'writer-1', channel: 1, seqnum: 1 };
  const send = () => head.write({ chunkId: cid(52, 0), chainId: chain.chainId, chainVer: chain.chainVersion, offset: 0, crc32c: crc32c(w1), tag, data: w1 });

  // 1. W1's round fails at the head after the rest of the chain committed it.
  forward.add({ method: 'storage.update', side: 'client', action: { kind: 'dropReply' }, times: 1 });
  await assert.rejects(send());
  // 2. Another client's W2 lands on top of it and is read.
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(52, 0), offset: 4, data: Buffer.from('BBBB') });
  assert.equal((await fabric.client.read({ chainId: chain.chainId, chunkId: cid(52, 0), ...WHOLE })).data.toString(), 'AAAABBBB');
  // 3. W1's retry (same tag) succeeds without writing W1 again over W2.
  await send();
  for (const id of ids) assert.equal((await fabric.engine(id).read(cid(52, 0), WHOLE)).data.toString(), 'AAAABBBB', `target ${id}`);
});

/** W1 ("AAAAAAAA", a fixed tag) fails at the head after the middle and the tail committed it. */
async function failedW1(t: TestContext) {
  const forward = new FaultRules();
  const fabric = await startFabric(t, { forwardFaults: () => forward, forwardTimeoutMs: 300 });
  const chain = fabric.chain(100001);
  const ids = chain.targets.map((x) => x.targetId) as [number, number, number];
  const w1 = Buffer.from('AAAAAAAA');
  const tag = { clientId: 'writer-1', channel: 1, seqnum: 1 };
  const sendTo = (targetId: number, chainVer: number) =>
    rawStub(t, fabric, targetId).write({ chunkId: cid(53, 0), chainId: chain.chainId, chainVer, offset: 0, crc32c: crc32c(w1), tag, data: w1 });
  forward.add({ method: 'storage.update', side: 'client', action: { kind: 'dropReply' }, times: 1 });
  await assert.rejects(sendTo(ids[0], chain.chainVersion));
  return { fabric, chain, ids, sendTo };
}

test('a retry that reaches a new head completes the version the old head left, not a second copy of the write', async (t) => {
  const { fabric, chain, ids, sendTo } = await failedW1(t);
  const [a, b, c] = ids;
  const moved = fabric.setChain(chain.chainId, [
    { targetId: b, publicState: 'SERVING' },
    { targetId: c, publicState: 'SERVING' },
    { targetId: a, publicState: 'OFFLINE' },
  ]);
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(53, 0), offset: 4, data: Buffer.from('BBBB') });
  await sendTo(b, moved.chainVersion);
  for (const id of [b, c]) assert.equal((await fabric.engine(id).read(cid(53, 0), WHOLE)).data.toString(), 'AAAABBBB', `target ${id}`);
});

test('a retry after a remove took the chunk away does not bring the removed chunk back', async (t) => {
  const { fabric, chain, ids, sendTo } = await failedW1(t);
  await fabric.client.remove({ chainId: chain.chainId, chunkId: cid(53, 0) });
  await sendTo(ids[0], chain.chainVersion);
  for (const id of ids) assert.equal(fabric.engine(id).stat(cid(53, 0)), null, `target ${id}`);
});

test('a failed write that reached only the head, then built on by another write, is not applied again at a new head', async (t) => {
  const forward = new FaultRules();
  const fabric = await startFabric(t, { forwardFaults: () => forward, forwardTimeoutMs: 300 });
  const chain = fabric.chain(100001);
  const [a, b, c] = chain.targets.map((x) => x.targetId) as [number, number, number];
  const w1 = Buffer.from('AAAAAAAA');
  const tag = { clientId: 'writer-1', channel: 1, seqnum: 1 };
  const sendTo = (targetId: number, chainVer: number) =>
    rawStub(t, fabric, targetId).write({ chunkId: cid(54, 0), chainId: chain.chainId, chainVer, offset: 0, crc32c: crc32c(w1), tag, data: w1 });
  // 1. W1 is staged at the head only: its forward never arrives.
  forward.add({ method: 'storage.update', side: 'client', action: { kind: 'drop' }, times: 1 });
  await assert.rejects(sendTo(a, chain.chainVersion));
  assert.equal(fabric.engine(b).stat(cid(54, 0)), null, 'the middle never saw W1');
  // 2. W2 is built on W1's pending version and commits everywhere: W1's bytes are visible through it.
  await fabric.client.write({ chainId: chain.chainId, chunkId: cid(54, 0), offset: 4, data: Buffer.from('BBBB') });
  // 3. The head dies; W1's retry reaches the new head, which knows W1 through W2's version.
  const moved = fabric.setChain(chain.chainId, [
    { targetId: b, publicState: 'SERVING' },
    { targetId: c, publicState: 'SERVING' },
    { targetId: a, publicState: 'OFFLINE' },
  ]);
  await sendTo(b, moved.chainVersion);
  for (const id of [b, c]) assert.equal((await fabric.engine(id).read(cid(54, 0), WHOLE)).data.toString(), 'AAAABBBB', `target ${id}`);
});
