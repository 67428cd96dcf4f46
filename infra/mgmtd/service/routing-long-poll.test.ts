/**
 * getRoutingInfo as a long-poll: held until the version moves, the wait ends, the call is abandoned, the lease is
 * lost or the mgmtd shuts down. Waits that must not happen are bounded by `settlesWithin` (a bound that fails the
 * test instead of hanging it, not a timing assertion).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import { MAX_ROUTING_WAIT_MS } from '../protocol.ts';
import { call, elapse, FAILURE_INTERVAL_MS, LEASE_MS, memoryKv, primaryAndStandby, storageCluster, testClock, testMgmtd } from './test-kit.ts';

/** Far longer than any step here takes, far shorter than a long-poll's wait. */
const BOUND_MS = 5_000;

function settlesWithin<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${BOUND_MS} ms`)), BOUND_MS);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** Whether `promise` is still pending after the microtasks and timers queued so far have run. */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

test('a long-poll is held while nothing changes and answers the moment the version moves', async (t) => {
  const mgmtd = await testMgmtd(t, await memoryKv(t), testClock(), { address: 'm1:1' });
  await mgmtd.renewLease();
  const { routingVersion: v0 } = await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null, waitMs: MAX_ROUTING_WAIT_MS });

  const poll = call(mgmtd, 'getRoutingInfo', { ifNewerThan: v0, waitMs: MAX_ROUTING_WAIT_MS });
  assert.ok(await pending(poll), 'nothing newer: the call is held');
  await call(mgmtd, 'registerNode', { nodeId: 7, type: 'META', address: null });
  const rsp = await settlesWithin(poll, 'the long-poll after a change');
  assert.equal(rsp.routingVersion, v0 + 1);
  assert.deepEqual(rsp.routing?.nodes.map((n) => n.nodeId), [7]);
});

test('a change that leaves the version alone does not end a long-poll; its wait ending answers null', async (t) => {
  const mgmtd = await testMgmtd(t, await memoryKv(t), testClock(), { address: 'm1:1' });
  await mgmtd.renewLease();
  await storageCluster(mgmtd, 1);
  await call(mgmtd, 'heartbeat', { nodeId: 1, targets: [{ targetId: 1001, localState: 'UPTODATE' }], routingVersion: 0 });
  const { routingVersion } = await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null });

  const poll = call(mgmtd, 'getRoutingInfo', { ifNewerThan: routingVersion, waitMs: 200 });
  // The same report again only refreshes lastHeartbeatMs: no version bump, no answer.
  await call(mgmtd, 'heartbeat', { nodeId: 1, targets: [{ targetId: 1001, localState: 'UPTODATE' }], routingVersion });
  assert.ok(await pending(poll));
  assert.deepEqual(await settlesWithin(poll, 'a 200 ms long-poll'), { routingVersion, routing: null });
});

test('without waitMs, or with ifNewerThan behind, getRoutingInfo answers at once', async (t) => {
  const mgmtd = await testMgmtd(t, await memoryKv(t), testClock(), { address: 'm1:1' });
  await mgmtd.renewLease();
  const { routingVersion } = await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null });
  assert.equal((await call(mgmtd, 'getRoutingInfo', { ifNewerThan: routingVersion })).routing, null);
  assert.equal((await call(mgmtd, 'getRoutingInfo', { ifNewerThan: routingVersion, waitMs: 0 })).routing, null);
  assert.notEqual((await call(mgmtd, 'getRoutingInfo', { ifNewerThan: routingVersion - 1, waitMs: MAX_ROUTING_WAIT_MS })).routing, null);
});

test('a long-poll ends short of the caller deadline, and when its call is abandoned', async (t) => {
  const mgmtd = await testMgmtd(t, await memoryKv(t), testClock(), { address: 'm1:1' });
  await mgmtd.renewLease();
  const { routingVersion } = await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null });

  // The caller gives up in 600 ms: the answer must leave before that, whatever waitMs says.
  const nearDeadline = call(mgmtd, 'getRoutingInfo', { ifNewerThan: routingVersion, waitMs: MAX_ROUTING_WAIT_MS }, { deadline: Date.now() + 600 });
  assert.deepEqual(await settlesWithin(nearDeadline, 'a long-poll near its deadline'), { routingVersion, routing: null });

  const abandoned = new AbortController();
  const poll = call(mgmtd, 'getRoutingInfo', { ifNewerThan: routingVersion, waitMs: MAX_ROUTING_WAIT_MS }, { signal: abandoned.signal });
  assert.ok(await pending(poll));
  abandoned.abort();
  assert.deepEqual(await settlesWithin(poll, 'an abandoned long-poll'), { routingVersion, routing: null });
});

test('a standby refuses a long-poll at once; a primary that loses its lease ends its long-polls with NOT_PRIMARY', async (t) => {
  const { clock, a, b } = await primaryAndStandby(t);
  const { routingVersion } = await call(a, 'getRoutingInfo', { ifNewerThan: null });
  await assert.rejects(
    settlesWithin(call(b, 'getRoutingInfo', { ifNewerThan: routingVersion, waitMs: MAX_ROUTING_WAIT_MS }), 'a standby'),
    (err) => hasCode(err, 'MGMTD_NOT_PRIMARY') && err.context['primary'] === 'a:1',
  );

  const poll = call(a, 'getRoutingInfo', { ifNewerThan: routingVersion, waitMs: MAX_ROUTING_WAIT_MS });
  poll.catch(() => undefined);
  assert.ok(await pending(poll));
  await elapse(clock, LEASE_MS, b); // a hangs, b takes over; a learns it at its next renewal
  assert.equal(b.leaseStatus(), 'PRIMARY');
  await a.renewLease();
  await assert.rejects(settlesWithin(poll, 'a long-poll on a deposed primary'), (err) => hasCode(err, 'MGMTD_NOT_PRIMARY') && err.context['primary'] === 'b:2');
});

test('closing the mgmtd ends its long-polls with LEASE_LOST, so clients move to another mgmtd', async (t) => {
  const mgmtd = await testMgmtd(t, await memoryKv(t), testClock(), { address: 'm1:1' });
  await mgmtd.renewLease();
  const { routingVersion } = await call(mgmtd, 'getRoutingInfo', { ifNewerThan: null });
  const poll = call(mgmtd, 'getRoutingInfo', { ifNewerThan: routingVersion, waitMs: MAX_ROUTING_WAIT_MS });
  poll.catch(() => undefined);
  assert.ok(await pending(poll));
  await mgmtd.close();
  await assert.rejects(settlesWithin(poll, 'a long-poll on a closed mgmtd'), (err) => hasCode(err, 'MGMTD_LEASE_LOST'));
});

test('heartbeat replies carry the failure interval', async (t) => {
  const mgmtd = await testMgmtd(t, await memoryKv(t), testClock(), { address: 'm1:1' });
  await mgmtd.renewLease();
  await storageCluster(mgmtd, 1);
  const rsp = await call(mgmtd, 'heartbeat', { nodeId: 1, targets: [], routingVersion: 0 });
  assert.equal(rsp.failureIntervalMs, FAILURE_INTERVAL_MS);
});
