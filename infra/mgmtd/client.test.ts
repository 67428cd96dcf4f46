import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { hasCode } from '../errors.ts';
import type { KvEngine } from '../kv/index.ts';
import { formatAddress, RpcClient, RpcServer } from '../rpc/index.ts';
import { MgmtdClient, parseAddress } from './client.ts';
import type { MgmtdClientOptions } from './client.ts';
import { MgmtdService } from './protocol.ts';
import type { RoutingInfo } from './routing/types.ts';
import type { Mgmtd } from './service/mgmtd.ts';
import { FAILURE_INTERVAL_MS, memoryKv, testClock, testMgmtd } from './service/test-kit.ts';
import type { TestClock } from './service/test-kit.ts';

const SECRET = 'b'.repeat(64);

/** Two served mgmtds on one KV: `a` primary, `b` standby. */
async function servedPair(t: TestContext): Promise<{ a: Served; b: Served }> {
  const clock = testClock();
  const kv = await memoryKv(t);
  const a = await serve(t, kv, clock);
  const b = await serve(t, kv, clock);
  await a.mgmtd.renewLease();
  await b.mgmtd.renewLease();
  return { a, b };
}

type Served = Awaited<ReturnType<typeof serve>>;

async function serve(t: TestContext, kv: KvEngine, clock: TestClock): Promise<{ mgmtd: Mgmtd; server: RpcServer }> {
  const server = await RpcServer.create({ secret: SECRET, port: 0 });
  const mgmtd = await testMgmtd(t, kv, clock, { address: formatAddress(server.address) });
  // mgmtd first, as server.ts does: closing it answers held long-polls, which the server would otherwise wait for.
  t.after(async () => {
    await mgmtd.close();
    await server.close();
  });
  server.register(MgmtdService, mgmtd.handlers());
  return { mgmtd, server };
}

function client(t: TestContext, addresses: string[], options: Partial<MgmtdClientOptions> = {}): MgmtdClient {
  const rpc = RpcClient.create({ secret: SECRET, timeoutMs: 5_000 });
  t.after(() => rpc.close());
  const mgmtd = MgmtdClient.create({ rpc, addresses, retryDeadlineMs: 5_000, log: () => undefined, ...options });
  t.after(() => mgmtd.close());
  return mgmtd;
}

/**
 * Far longer than a round trip on loopback, far shorter than the client's long-poll wait (the default 20 s), so a
 * change seen within it was pushed by a held poll, not picked up by a later one. A bound, not a timing assertion.
 */
const BOUND_MS = 5_000;

function settlesWithin<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${BOUND_MS} ms`)), BOUND_MS);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** Resolves with the first snapshot the client's cache takes in that satisfies `done`. */
function routingWhere(mgmtd: MgmtdClient, done: (routing: RoutingInfo) => boolean): Promise<RoutingInfo> {
  return new Promise((resolve) => {
    if (mgmtd.routing !== null && done(mgmtd.routing)) return resolve(mgmtd.routing);
    const stop = mgmtd.onRouting((routing) => {
      if (!done(routing)) return;
      stop();
      resolve(routing);
    });
  });
}

test('parseAddress reads host:port and bracketed IPv6', () => {
  assert.deepEqual(parseAddress('127.0.0.1:9000'), { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(parseAddress('[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => parseAddress('nohost'), (err) => hasCode(err, 'INVALID_ARGUMENT'));
});

test('the client follows NOT_PRIMARY to the primary and caches routing', async (t) => {
  const { a, b } = await servedPair(t);
  const mgmtd = client(t, [b.mgmtd.address, a.mgmtd.address]);
  assert.equal(mgmtd.primaryAddress, b.mgmtd.address);

  const seen: number[] = [];
  mgmtd.onRouting((r) => seen.push(r.version));
  await mgmtd.registerNode({ nodeId: 1, type: 'STORAGE', address: '127.0.0.1:9101' });
  assert.equal(mgmtd.primaryAddress, a.mgmtd.address);
  const routing = await mgmtd.refreshRouting();
  assert.deepEqual(routing.nodes.map((n) => n.nodeId), [1]);
  assert.equal(await mgmtd.refreshRouting(), routing, 'nothing newer: the cached snapshot stays');
  const hb = await mgmtd.heartbeat({ nodeId: 1, targets: [], routingVersion: routing.version });
  assert.equal(mgmtd.routing?.version, hb.routingVersion);
  assert.deepEqual(seen, [routing.version, hb.routingVersion]);
});

test('the client moves on from a mgmtd that does not answer', async (t) => {
  const clock = testClock();
  const kv = await memoryKv(t);
  const a = await serve(t, kv, clock);
  await a.mgmtd.renewLease();
  const dead = await RpcServer.create({ secret: SECRET, port: 0 });
  const deadAddress = formatAddress(dead.address);
  await dead.close(); // the port is closed now: connecting fails
  const mgmtd = client(t, [deadAddress, a.mgmtd.address]);
  const rsp = await mgmtd.call('listNodes', null);
  assert.deepEqual(rsp.nodes, []);
  assert.equal(mgmtd.primaryAddress, a.mgmtd.address);
});

test('the client gives up with the last error once its retry deadline passes', async (t) => {
  const clock = testClock();
  const kv = await memoryKv(t);
  const a = await serve(t, kv, clock); // never renews: nobody is primary
  const rpc = RpcClient.create({ secret: SECRET });
  t.after(() => rpc.close());
  const mgmtd = MgmtdClient.create({ rpc, addresses: [a.mgmtd.address], retryDeadlineMs: 200, log: () => undefined });
  await assert.rejects(mgmtd.call('listNodes', null), (err) => hasCode(err, 'MGMTD_NOT_PRIMARY') && err.context['primary'] === null);
});

test('polling long-polls: a routing change reaches the client without waiting out a poll', async (t) => {
  const kv = await memoryKv(t);
  const a = await serve(t, kv, testClock());
  await a.mgmtd.renewLease();
  const mgmtd = client(t, [a.mgmtd.address]);
  mgmtd.startPolling();
  const first = await settlesWithin(routingWhere(mgmtd, () => true), 'the first snapshot');

  for (const nodeId of [1, 2, 3]) {
    const seen = routingWhere(mgmtd, (r) => r.nodes.some((n) => n.nodeId === nodeId));
    const other = client(t, [a.mgmtd.address]);
    await other.registerNode({ nodeId, type: 'STORAGE', address: null });
    await settlesWithin(seen, `node ${nodeId} in the polled routing`);
  }
  assert.ok(mgmtd.routing!.version >= first.version + 3);
});

test('polling follows a failover: the primary shuts down, the standby takes over, polling carries on', async (t) => {
  const { a, b } = await servedPair(t);
  const dead = await RpcServer.create({ secret: SECRET, port: 0 });
  const deadAddress = formatAddress(dead.address);
  await dead.close();
  // A closed port and a standby ahead of the primary: neither may hold the client up.
  const mgmtd = client(t, [deadAddress, b.mgmtd.address, a.mgmtd.address], { initialBackoffMs: 10, maxBackoffMs: 100, log: (m) => console.log(Date.now(), m) });
  mgmtd.startPolling();
  const before = await settlesWithin(routingWhere(mgmtd, () => true), 'the first snapshot');
  assert.equal(mgmtd.primaryAddress, a.mgmtd.address);

  await a.mgmtd.close(); // releases the lease; its held poll answers LEASE_LOST at once
  await b.mgmtd.renewLease(); // takes over, bumping the version
  const after = await settlesWithin(routingWhere(mgmtd, (r) => r.version > before.version), 'routing from the new primary');
  assert.equal(mgmtd.primaryAddress, b.mgmtd.address);
  assert.deepEqual({ ...after, version: 0 }, { ...before, version: 0 });
});

test('close() during a long-poll returns promptly and stops polling', async (t) => {
  const kv = await memoryKv(t);
  const a = await serve(t, kv, testClock());
  await a.mgmtd.renewLease();
  const logged: string[] = [];
  const mgmtd = client(t, [a.mgmtd.address], { log: (m) => logged.push(m) });
  mgmtd.startPolling();
  await settlesWithin(routingWhere(mgmtd, () => true), 'the first snapshot');
  await new Promise((resolve) => setTimeout(resolve, 50)); // the next poll is now held by the primary
  await settlesWithin(mgmtd.close(), 'close()');
  const seen: number[] = [];
  mgmtd.onRouting((r) => seen.push(r.version));
  await client(t, [a.mgmtd.address]).registerNode({ nodeId: 1, type: 'STORAGE', address: null });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(seen, [], 'a closed client takes in nothing');
  assert.deepEqual(logged, [], 'closing is not a poll failure');
});

test('a client polling a cluster with no primary backs off and does not hang close()', async (t) => {
  const kv = await memoryKv(t);
  const a = await serve(t, kv, testClock()); // never renews: a standby with nobody primary
  const logged: string[] = [];
  const mgmtd = client(t, [a.mgmtd.address], { retryDeadlineMs: 100, log: (m) => logged.push(m) });
  mgmtd.startPolling();
  await settlesWithin(new Promise<void>((resolve) => {
    const check = (): void => void (logged.length > 0 ? resolve() : setTimeout(check, 10));
    check();
  }), 'a logged poll failure');
  assert.match(logged[0]!, /routing long-poll failed/);
  await settlesWithin(mgmtd.close(), 'close()');
});

test('heartbeat replies record when mgmtd last answered and its failure interval', async (t) => {
  const kv = await memoryKv(t);
  const a = await serve(t, kv, testClock());
  await a.mgmtd.renewLease();
  const mgmtd = client(t, [a.mgmtd.address]);
  assert.equal(mgmtd.lastHeartbeat, null);
  await mgmtd.registerNode({ nodeId: 1, type: 'STORAGE', address: null });
  const sentAfter = Date.now();
  await mgmtd.heartbeat({ nodeId: 1, targets: [], routingVersion: 0 });
  const ack = mgmtd.lastHeartbeat as { atMs: number; failureIntervalMs: number } | null;
  assert.equal(ack?.failureIntervalMs, FAILURE_INTERVAL_MS);
  assert.ok(ack.atMs >= sentAfter && ack.atMs <= Date.now());
});
