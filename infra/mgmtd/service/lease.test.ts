import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import { findChain } from '../routing/lookup.ts';
import { formatTargets } from '../state-machine/chain-notation.ts';
import { beat, call, elapse, FAILURE_INTERVAL_MS, LEASE_MS, memoryKv, primaryAndStandby, storageCluster, testClock, testMgmtd } from './test-kit.ts';

test('one primary: the second mgmtd stands by and redirects to the primary', async (t) => {
  const clock = testClock();
  const kv = await memoryKv(t);
  const a = await testMgmtd(t, kv, clock, { address: 'a:1', peers: ['b:2'] });
  const b = await testMgmtd(t, kv, clock, { address: 'b:2', peers: ['a:1'] });
  await a.renewLease();
  await b.renewLease();
  assert.equal(a.leaseStatus(), 'PRIMARY');
  assert.equal(b.leaseStatus(), 'STANDBY');
  assert.deepEqual(await call(b, 'getPrimary', null), { isPrimary: false, primary: 'a:1', self: 'b:2', peers: ['a:1'] });
  for (const attempt of [
    call(b, 'getRoutingInfo', { ifNewerThan: null }),
    call(b, 'registerNode', { nodeId: 1, type: 'STORAGE', address: null }),
    call(b, 'listNodes', null),
  ]) {
    await assert.rejects(attempt, (err) => hasCode(err, 'MGMTD_NOT_PRIMARY') && err.context['primary'] === 'a:1');
  }
  // The heartbeat checker does nothing on a standby.
  await b.checkHeartbeats();
});

test('takeover: when the primary stops renewing, the standby takes the lease after expiry with the same data', async (t) => {
  const { clock, a, b } = await primaryAndStandby(t);
  await storageCluster(a, 3);
  for (const id of [1, 2, 3]) await beat(a, id);
  const before = (await call(a, 'getRoutingInfo', { ifNewerThan: null })).routing!;

  // a hangs (no renewals); b keeps trying. Just before expiry nothing moves.
  await elapse(clock, LEASE_MS - 1, b);
  assert.equal(b.leaseStatus(), 'STANDBY');
  await elapse(clock, 1, b);
  assert.equal(b.leaseStatus(), 'PRIMARY');

  // a fences itself: its own lease ran out, so it answers LEASE_LOST, then learns it is a standby.
  assert.equal(a.leaseStatus(), 'EXPIRED');
  await assert.rejects(call(a, 'getRoutingInfo', { ifNewerThan: null }), (err) => hasCode(err, 'MGMTD_LEASE_LOST'));
  await a.renewLease();
  assert.equal(a.leaseStatus(), 'STANDBY');
  await assert.rejects(call(a, 'listChains', null), (err) => hasCode(err, 'MGMTD_NOT_PRIMARY') && err.context['primary'] === 'b:2');

  // b serves the same data under a newer version.
  const after = (await call(b, 'getRoutingInfo', { ifNewerThan: before.version })).routing!;
  assert.equal(after.version, before.version + 1);
  assert.deepEqual({ ...after, version: 0 }, { ...before, version: 0 });
  // Nodes that heartbeated to the old primary get a grace period from the takeover, not from their last beat:
  // their last beat is now older than the failure interval, the takeover is not.
  await elapse(clock, FAILURE_INTERVAL_MS - LEASE_MS + 500, b);
  await b.checkHeartbeats();
  assert.equal((await call(b, 'getRoutingInfo', { ifNewerThan: after.version })).routing, null);
  assert.equal(formatTargets(findChain(after, 100001)!.targets), '1001 SERVING, 2001 SERVING, 3001 SERVING');
});

test('fencing in the KV engine: a primary whose clock lags cannot commit after a takeover', async (t) => {
  const kv = await memoryKv(t);
  const slow = testClock(1_000_000);
  const fast = testClock(1_000_000);
  const a = await testMgmtd(t, kv, slow, { address: 'a:1' });
  const b = await testMgmtd(t, kv, fast, { address: 'b:2' });
  await a.renewLease();
  fast.advance(LEASE_MS); // b's clock runs ahead: it sees a's lease expired while a still believes in it
  await b.renewLease();
  assert.equal(b.leaseStatus(), 'PRIMARY');
  assert.equal(a.leaseStatus(), 'PRIMARY');
  await assert.rejects(call(a, 'registerNode', { nodeId: 1, type: 'STORAGE', address: null }), (err) => hasCode(err, 'MGMTD_LEASE_LOST'));
  assert.equal(a.leaseStatus(), 'STANDBY');
  assert.deepEqual((await call(b, 'listNodes', null)).nodes, []);
});

test('a clean shutdown releases the lease: the standby takes over at its next renewal', async (t) => {
  const clock = testClock();
  const kv = await memoryKv(t);
  const a = await testMgmtd(t, kv, clock, { address: 'a:1' });
  const b = await testMgmtd(t, kv, clock, { address: 'b:2' });
  await a.renewLease();
  await call(a, 'registerNode', { nodeId: 5, type: 'META', address: null });
  await a.close();
  await b.renewLease();
  assert.equal(b.leaseStatus(), 'PRIMARY');
  assert.deepEqual((await call(b, 'listNodes', null)).nodes.map((n) => n.nodeId), [5]);
});
