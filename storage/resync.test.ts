import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { hasCode } from '../infra/errors.ts';
import type { TargetId } from '../infra/mgmtd/index.ts';
import type { ServiceStub } from '../infra/rpc/index.ts';
import type { StorageServiceDef, WireChunkMeta } from './protocol.ts';
import { planResync } from './resync/plan.ts';
import { cid, payload, rawStub, startFabric } from './test-kit.ts';
import type { Fabric } from './test-kit.ts';

const WHOLE = { offset: 0, length: 64 * 1024 };

async function dumpAll(stub: ServiceStub<StorageServiceDef>, targetId: TargetId, chainVer: number): Promise<WireChunkMeta[]> {
  const out: WireChunkMeta[] = [];
  let begin: Uint8Array | null = null;
  do {
    const page = await stub.dumpChunkMeta({ targetId, chainVer, begin, limit: 2 });
    out.push(...page.metas);
    begin = page.next;
  } while (begin !== null);
  return out;
}

function committedView(fabric: Fabric, targetId: TargetId): unknown[] {
  return fabric
    .engine(targetId)
    .listChunks({ begin: null, end: null, limit: null })
    .map((m) => ({ chunkId: Buffer.from(m.chunkId).toString('hex'), commitVer: m.commitVer, length: m.length, crc32c: m.crc32c, state: m.state }));
}

test('a target that missed writes is brought level by dumpChunkMeta, applyRemove, applyFull and syncDone', async (t) => {
  const fabric = await startFabric(t);
  const chainId = 100001;
  const [a, b, c] = fabric.chain(chainId).targets.map((x) => x.targetId) as [TargetId, TargetId, TargetId];
  const write = (chunk: number, seed: number, offset = 0, length = 3000): Promise<unknown> =>
    fabric.client.write({ chainId, chunkId: cid(20, chunk), offset, data: payload(seed, length) });

  // 1. All three replicas hold chunks 0-2.
  for (const chunk of [0, 1, 2]) await write(chunk, chunk);

  // 2. C drops out; the chain carries on without it: an overwrite, a new chunk.
  fabric.setChain(chainId, [
    { targetId: a, publicState: 'SERVING' },
    { targetId: b, publicState: 'SERVING' },
    { targetId: c, publicState: 'OFFLINE' },
  ]);
  await write(1, 11, 1000, 500);
  await write(3, 3);
  // A chunk the chain removed while C was away (GC), which C still holds.
  const orphan = payload(99, 700);
  await fabric.engine(c).applyFull(cid(20, 9), { data: orphan, crc32c: crc32c(orphan), commitVer: 1, chainVer: 1 });
  // And a stale copy of a chunk the chain will recreate, at a higher version than the chain's.
  const stale = payload(98, 900);
  await fabric.engine(c).applyFull(cid(20, 5), { data: stale, crc32c: crc32c(stale), commitVer: 50, chainVer: 1 });
  assert.notDeepEqual(committedView(fabric, c), committedView(fabric, a));

  // 3. C returns as SYNCING: it takes writes at once (as whole chunks: B's partial write cannot apply to C's stale base).
  const syncing = fabric.setChain(chainId, [
    { targetId: a, publicState: 'SERVING' },
    { targetId: b, publicState: 'SERVING' },
    { targetId: c, publicState: 'SYNCING' },
  ]);
  await write(0, 10, 2000, 100);
  await write(4, 4);
  assert.deepEqual(await write(5, 5), { commitVer: 1, chunkLength: 3000, chunkCrc32c: crc32c(payload(5, 3000)) }, 'C took the whole chunk despite its stale version 50');
  const stubC = rawStub(t, fabric, c);
  await assert.rejects(stubC.read({ chunkId: cid(20, 0), chainId, chainVer: syncing.chainVersion, ...WHOLE }), (e) => hasCode(e, 'STORAGE_ROUTING_ERROR'), 'a SYNCING target serves no reads');

  // 4. B, C's predecessor, resyncs it.
  const stubB = rawStub(t, fabric, b);
  const plan = planResync(await dumpAll(stubB, b, syncing.chainVersion), await dumpAll(stubC, c, syncing.chainVersion));
  assert.deepEqual(plan.remove.map((id) => Buffer.from(id)), [Buffer.from(cid(20, 9))]);
  assert.deepEqual(plan.full.map((id) => Buffer.from(id)), [Buffer.from(cid(20, 1)), Buffer.from(cid(20, 3))]);
  assert.equal((await stubC.applyRemove({ targetId: c, chainVer: syncing.chainVersion, chunkIds: plan.remove })).applied, 1);
  const chunks = [];
  const datas = [];
  for (const chunkId of plan.full) {
    const read = await fabric.engine(b).read(chunkId, WHOLE);
    chunks.push({ chunkId, commitVer: read.commitVer, chainVer: read.chainVer, length: read.data.length, crc32c: read.crc32c });
    datas.push(read.data);
  }
  assert.equal((await stubC.applyFull({ targetId: c, chainVer: syncing.chainVersion, chunks, data: Buffer.concat(datas) })).applied, 2);
  assert.deepEqual(await stubC.syncDone({ targetId: c, chainVer: syncing.chainVersion }), { localState: 'UPTODATE' });

  // 5. C now matches its peers chunk for chunk, and serves reads once mgmtd makes it SERVING.
  assert.deepEqual(committedView(fabric, c), committedView(fabric, a));
  assert.deepEqual(committedView(fabric, b), committedView(fabric, a));
  const serving = fabric.setChain(chainId, [a, b, c].map((targetId) => ({ targetId, publicState: 'SERVING' as const })));
  for (const chunk of [0, 1, 2, 3, 4, 5]) {
    const expected = (await fabric.engine(a).read(cid(20, chunk), WHOLE)).data;
    const rsp = await stubC.read({ chunkId: cid(20, chunk), chainId, chainVer: serving.chainVersion, ...WHOLE });
    assert.deepEqual(Buffer.from(rsp.data!), expected, `chunk ${chunk}`);
  }
});

test('resync applies are refused unless the target is SYNCING at the caller’s chain version', async (t) => {
  const fabric = await startFabric(t);
  const chain = fabric.chain(100001);
  const c = chain.targets[2]!.targetId;
  const stub = rawStub(t, fabric, c);
  await assert.rejects(stub.applyRemove({ targetId: c, chainVer: chain.chainVersion, chunkIds: [cid(1, 1)] }), (e) => hasCode(e, 'STORAGE_ROUTING_ERROR'));
  await assert.rejects(stub.syncDone({ targetId: c, chainVer: chain.chainVersion + 1 }), (e) => hasCode(e, 'STORAGE_CHAIN_VERSION_MISMATCH'));
});

test('the sync source syncs a SYNCING successor by itself once it sees the routing, and the successor says UPTODATE', async (t) => {
  const fabric = await startFabric(t);
  const chainId = 100001;
  const [a, b, c] = fabric.chain(chainId).targets.map((x) => x.targetId) as [TargetId, TargetId, TargetId];
  const write = (chunk: number, seed: number): Promise<unknown> => fabric.client.write({ chainId, chunkId: cid(30, chunk), offset: 0, data: payload(seed, 2000) });
  for (const chunk of [0, 1]) await write(chunk, chunk);
  fabric.setChain(chainId, [
    { targetId: a, publicState: 'SERVING' },
    { targetId: b, publicState: 'SERVING' },
    { targetId: c, publicState: 'OFFLINE' },
  ]);
  for (const chunk of [1, 2, 3]) await write(chunk, 10 + chunk);
  fabric.setChain(chainId, [
    { targetId: a, publicState: 'SERVING' },
    { targetId: b, publicState: 'SERVING' },
    { targetId: c, publicState: 'SYNCING' },
  ]);
  const serverOf = (targetId: TargetId) => [...fabric.servers.values()].find((s) => s.targets.has(targetId))!;
  const target = serverOf(c).targets.get(c);
  target.localState = 'ONLINE';
  const stateOf = (): string => target.localState;

  // A is no sync source (its successor B serves); B is, and starts the sync when it takes in the routing.
  assert.deepEqual(serverOf(a).applyRouting(fabric.routing.current()), []);
  serverOf(b).applyRouting(fabric.routing.current());
  const deadline = Date.now() + 10_000;
  while (stateOf() !== 'UPTODATE' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(stateOf(), 'UPTODATE');
  assert.deepEqual(committedView(fabric, c), committedView(fabric, b));
});

/** Chain 100001 with C out, then back as SYNCING; B (the last SERVING target) is the sync source. */
async function syncingChain(t: TestContext) {
  const fabric = await startFabric(t);
  const chainId = 100001;
  const [a, b, c] = fabric.chain(chainId).targets.map((x) => x.targetId) as [TargetId, TargetId, TargetId];
  fabric.setChain(chainId, [
    { targetId: a, publicState: 'SERVING' },
    { targetId: b, publicState: 'SERVING' },
    { targetId: c, publicState: 'OFFLINE' },
  ]);
  const serverOf = (targetId: TargetId) => [...fabric.servers.values()].find((s) => s.targets.has(targetId))!;
  const startSync = async (): Promise<void> => {
    const chain = fabric.setChain(chainId, [
      { targetId: a, publicState: 'SERVING' },
      { targetId: b, publicState: 'SERVING' },
      { targetId: c, publicState: 'SYNCING' },
    ]);
    const target = serverOf(c).targets.get(c);
    target.localState = 'ONLINE';
    const state = (): string => target.localState;
    serverOf(b).applyRouting(fabric.routing.current());
    const deadline = Date.now() + 10_000;
    while (state() !== 'UPTODATE' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(state(), 'UPTODATE', `sync done at chain v${chain.chainVersion}`);
  };
  return { fabric, chainId, a, b, c, startSync };
}

test('a chunk the source holds only uncommitted (a failed write) is removed at the target, not left with old content', async (t) => {
  const { fabric, b, c, startSync } = await syncingChain(t);
  const old = payload(70, 800);
  await fabric.engine(c).applyFull(cid(40, 0), { data: old, crc32c: crc32c(old), commitVer: 7, chainVer: 1 });
  const orphan = payload(71, 300);
  await fabric.engine(b).write(cid(40, 0), { offset: 0, data: orphan, crc32c: crc32c(orphan), updateVer: 1, chainVer: 2 });
  assert.equal(fabric.engine(b).stat(cid(40, 0))?.commitVer, 0, 'B holds only a pending version');
  await startSync();
  assert.equal(fabric.engine(c).stat(cid(40, 0)), null, 'C no longer serves the removed chunk’s old content');
});

test('a late resync apply or remove does not undo a version written during the sync', async (t) => {
  const { fabric, chainId, c, startSync } = await syncingChain(t);
  await startSync();
  // C is SYNCING→UPTODATE at this chain version; put it back to SYNCING at a fresh version and write through it.
  const chain = fabric.chain(chainId);
  const syncing = fabric.setChain(chainId, chain.targets.map((x) => ({ targetId: x.targetId, publicState: x.targetId === c ? 'SYNCING' as const : 'SERVING' as const })));
  await fabric.client.write({ chainId, chunkId: cid(41, 0), offset: 0, data: payload(1, 500) });
  const v2 = await fabric.client.write({ chainId, chunkId: cid(41, 0), offset: 0, data: payload(2, 500) });
  assert.equal(fabric.engine(c).stat(cid(41, 0))?.commitVer, v2.commitVer);

  const stubC = rawStub(t, fabric, c);
  const late = payload(1, 500);
  const chunk = { chunkId: cid(41, 0), commitVer: v2.commitVer - 1, chainVer: syncing.chainVersion, length: late.length, crc32c: crc32c(late) };
  await stubC.applyFull({ targetId: c, chainVer: syncing.chainVersion, chunks: [chunk], data: late });
  assert.equal(fabric.engine(c).stat(cid(41, 0))?.commitVer, v2.commitVer, 'the late copy of version 1 was skipped');
  assert.equal((await stubC.applyRemove({ targetId: c, chainVer: syncing.chainVersion, chunkIds: [cid(41, 0)] })).applied, 0);
  assert.deepEqual((await fabric.engine(c).read(cid(41, 0), WHOLE)).data, payload(2, 500));
});
