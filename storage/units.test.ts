import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../infra/errors.ts';
import type { WireChunkMeta } from './protocol.ts';
import { planResync } from './resync/plan.ts';
import { cid } from './test-kit.ts';
import { UpdateDedup } from './update-dedup.ts';

test('dedup: a retry gets the first result, a failure is forgotten, an older seqnum is refused', async () => {
  const dedup = new UpdateDedup(2);
  let runs = 0;
  const ok = (commitVer: number) => () => {
    runs += 1;
    return Promise.resolve({ commitVer, chunkLength: 1, chunkCrc32c: 0 });
  };
  const tag = { clientId: 'c', channel: 1, seqnum: 1 };
  assert.equal((await dedup.run(tag, ok(1))).commitVer, 1);
  assert.equal((await dedup.run(tag, ok(2))).commitVer, 1, 'same seqnum: the earlier result');
  assert.equal(runs, 1);

  const failing = { ...tag, seqnum: 2 };
  await assert.rejects(dedup.run(failing, () => Promise.reject(new Error('lost'))));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal((await dedup.run(failing, ok(3))).commitVer, 3, 'a failed attempt runs again');
  await assert.rejects(dedup.run(tag, ok(4)), (e) => hasCode(e, 'STORAGE_DUPLICATE_UPDATE'));

  // A failed attempt that left its version pending is remembered: the retry is told which version.
  const staged = { ...tag, seqnum: 5 };
  let told: number | null = -1;
  await assert.rejects(dedup.run(staged, () => {
    dedup.staged(staged, 42, 1001);
    return Promise.reject(new Error('forward lost'));
  }));
  await new Promise((resolve) => setImmediate(resolve));
  await dedup.run(staged, (leftPending) => {
    told = leftPending;
    return ok(8)();
  });
  assert.equal(told, 42);

  // Past its capacity the least recently used channel is forgotten.
  await dedup.run({ clientId: 'd', channel: 1, seqnum: 1 }, ok(5));
  await dedup.run({ clientId: 'e', channel: 1, seqnum: 1 }, ok(6));
  assert.equal((await dedup.run(tag, ok(7))).commitVer, 7);
});

test('resync plan: remove what holds nothing committed at the source, send what differs or is uncommitted, skip what matches', () => {
  const meta = (index: number, commitVer: number, crc = 1, state: 'COMMIT' | 'PENDING' = 'COMMIT'): WireChunkMeta => ({
    chunkId: cid(5, index),
    commitVer,
    updateVer: state === 'PENDING' ? commitVer + 1 : commitVer,
    chainVer: 1,
    length: 10,
    crc32c: crc,
    state,
  });
  const source = [meta(0, 2), meta(1, 3), meta(2, 1), meta(3, 1), meta(4, 0, 0, 'PENDING'), meta(5, 4)];
  // Chunk 4: only an uncommitted version at the source (a failed write), old committed content at the target.
  const target = [meta(0, 2), meta(1, 2), meta(2, 1, 9), meta(3, 1, 1, 'PENDING'), meta(4, 7), meta(6, 1)];
  const plan = planResync(source, target);
  const hex = (ids: readonly Uint8Array[]): string[] => ids.map((id) => Buffer.from(id).toString('hex'));
  assert.deepEqual(hex(plan.remove), hex([cid(5, 4), cid(5, 6)]));
  assert.deepEqual(hex(plan.full), hex([cid(5, 1), cid(5, 2), cid(5, 3), cid(5, 5)]));
});

test('dedup: versions staged on a target are forgotten when a sync is about to replace its chunks', async () => {
  const dedup = new UpdateDedup();
  const onA = { clientId: 'c', channel: 1, seqnum: 1 };
  const onB = { clientId: 'c', channel: 2, seqnum: 1 };
  dedup.staged(onA, 7, 1001);
  dedup.staged(onB, 9, 2001);
  dedup.forgetTarget(1001);
  const told: (number | null)[] = [];
  for (const tag of [onA, onB]) {
    await dedup.run(tag, (leftPending) => {
      told.push(leftPending);
      return Promise.resolve({ commitVer: 1, chunkLength: 1, chunkCrc32c: 0 });
    });
  }
  assert.deepEqual(told, [null, 9]);
});
