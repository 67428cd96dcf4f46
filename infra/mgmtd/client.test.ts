import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { hasCode } from '../errors.ts';
import type { KvEngine } from '../kv/index.ts';
import { formatAddress, RpcClient, RpcServer } from '../rpc/index.ts';
import { MgmtdClient, parseAddress } from './client.ts';
import { MgmtdService } from './protocol.ts';
import type { Mgmtd } from './service/mgmtd.ts';
import { memoryKv, testClock, testMgmtd } from './service/test-kit.ts';
import type { TestClock } from './service/test-kit.ts';

const SECRET = 'b'.repeat(64);

async function serve(t: TestContext, kv: KvEngine, clock: TestClock): Promise<{ mgmtd: Mgmtd; server: RpcServer }> {
  const server = await RpcServer.create({ secret: SECRET, port: 0 });
  t.after(() => server.close());
  const mgmtd = await testMgmtd(t, kv, clock, { address: formatAddress(server.address) });
  server.register(MgmtdService, mgmtd.handlers());
  return { mgmtd, server };
}

function client(t: TestContext, addresses: string[]): MgmtdClient {
  const rpc = RpcClient.create({ secret: SECRET, timeoutMs: 5_000 });
  t.after(() => rpc.close());
  const mgmtd = MgmtdClient.create({ rpc, addresses, retryDeadlineMs: 5_000, log: () => undefined });
  t.after(() => mgmtd.close());
  return mgmtd;
}

test('parseAddress reads host:port and bracketed IPv6', () => {
  assert.deepEqual(parseAddress('127.0.0.1:9000'), { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(parseAddress('[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => parseAddress('nohost'), (err) => hasCode(err, 'INVALID_ARGUMENT'));
});

test('the client follows NOT_PRIMARY to the primary and caches routing', async (t) => {
  const clock = testClock();
  const kv = await memoryKv(t);
  const a = await serve(t, kv, clock);
  const b = await serve(t, kv, clock);
  await a.mgmtd.renewLease();
  await b.mgmtd.renewLease();
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
