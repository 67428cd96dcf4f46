/**
 * Multi-process failover of mgmtd: two processes share one LMDB directory and elect a primary through the lease in
 * it. A client registers nodes and reads routing; the primary is killed with SIGKILL (no lease release); the standby
 * must take over once the lease expires and serve the same routing, and accept mutations again.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { MgmtdClient, MgmtdService, parseAddress } from '../infra/mgmtd/index.ts';
import type { RoutingInfo } from '../infra/mgmtd/index.ts';
import { loadOrCreateClusterSecret, RpcClient } from '../infra/rpc/index.ts';

const ROOT = join(import.meta.dirname, '..');
const SERVER = join(ROOT, 'infra', 'mgmtd', 'server.ts');
const LEASE_MS = 1_500;
const STARTUP_TIMEOUT_MS = 30_000;

interface Running {
  readonly child: ChildProcess;
  readonly address: string;
  readonly pid: number;
  readonly exited: Promise<void>;
}

async function startMgmtd(t: TestContext, dataDir: string, name: string, failureIntervalMs = 600_000): Promise<Running> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SERVER, '--data-dir', dataDir, '--kv', `lmdb:${join(dataDir, 'kv')}`, '--name', name,
      '--lease-ms', String(LEASE_MS), '--failure-interval-ms', String(failureIntervalMs)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ address: string; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready within ${STARTUP_TIMEOUT_MS} ms: ${stderr}`)), STARTUP_TIMEOUT_MS);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { address: string; pid: number });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready: ${stderr}`));
    });
  });
  return { child, address: ready.address, pid: ready.pid, exited };
}

/** Everything but the version, which a new primary bumps. */
const content = (r: RoutingInfo): Omit<RoutingInfo, 'version'> => ({ nodes: r.nodes, targets: r.targets, chains: r.chains, chainTables: r.chainTables });

function testDataDir(t: TestContext): string {
  const dataDir = mkdtempSync(join(process.env['FIREPOND_TEST_TMP'] ?? tmpdir(), 'fp-mgmtd-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

/** Polls `probe` until it returns true; fails after `timeoutMs` (a bound, not a timing assertion). */
async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('the standby takes over after the primary is killed and serves the same routing', async (t) => {
  const dataDir = testDataDir(t);
  await loadOrCreateClusterSecret(dataDir); // one secret for both processes and the client
  const [a, b] = await Promise.all([startMgmtd(t, dataDir, 'mgmtd-a'), startMgmtd(t, dataDir, 'mgmtd-b')]);
  for (const name of ['mgmtd-a', 'mgmtd-b']) {
    assert.ok(existsSync(join(dataDir, `${name}.log`)), `${name}.log`);
  }
  assert.equal(readFileSync(join(dataDir, 'mgmtd-a.pid'), 'utf8').trim(), String(a.pid));

  const rpc = RpcClient.create({ secret: await loadOrCreateClusterSecret(dataDir), timeoutMs: 2_000 });
  t.after(() => rpc.close());
  const mgmtd = MgmtdClient.create({ rpc, addresses: [a.address, b.address], retryDeadlineMs: 30_000, callTimeoutMs: 2_000, log: () => undefined });
  t.after(() => mgmtd.close());

  // 1. A cluster: three storage nodes, one chain table, everybody heartbeating.
  for (const nodeId of [1, 2, 3]) await mgmtd.registerNode({ nodeId, type: 'STORAGE', address: `127.0.0.1:${9100 + nodeId}` });
  await mgmtd.createChainTable({ spec: { chainTableId: 1, storageNodeIds: [1, 2, 3], targetsPerNode: 2, replicationFactor: 3 } });
  for (const nodeId of [1, 2, 3]) {
    const targets = [0, 1].map((disk) => ({ targetId: nodeId * 1000 + disk + 1, localState: 'UPTODATE' as const }));
    await mgmtd.heartbeat({ nodeId, targets, routingVersion: 0 });
  }
  const before = await mgmtd.refreshRouting();
  assert.equal(before.chains.length, 2);
  assert.ok(before.nodes.every((n) => n.status === 'CONNECTED'));

  // 2. Kill the primary hard: its lease stays in the KV engine until it expires.
  const primary = (await rpc.call(parseAddress(a.address), MgmtdService, 'getPrimary', null)).primary;
  const [victim, survivor] = primary === a.address ? [a, b] : [b, a];
  assert.equal(primary, victim.address);
  victim.child.kill('SIGKILL');
  await victim.exited;

  // 3. The client keeps working through the survivor once it takes the lease (the client retries until then).
  const after = await mgmtd.refreshRouting();
  assert.equal(mgmtd.primaryAddress, survivor.address);
  assert.ok(after.version > before.version);
  assert.deepEqual(content(after), content(before));
  await mgmtd.registerNode({ nodeId: 4, type: 'META', address: '127.0.0.1:9200' });
  const latest = await mgmtd.refreshRouting();
  assert.deepEqual(latest.nodes.map((n) => n.nodeId), [1, 2, 3, 4]);
  assert.match(readFileSync(join(dataDir, `${survivor === a ? 'mgmtd-a' : 'mgmtd-b'}.log`), 'utf8'), /became primary/);
});

test('SIGTERM releases the lease and the pid file; the heartbeat checker of the new primary fails silent nodes', async (t) => {
  const dataDir = testDataDir(t);
  await loadOrCreateClusterSecret(dataDir);
  const [a, b] = await Promise.all([startMgmtd(t, dataDir, 'mgmtd-a', 2_000), startMgmtd(t, dataDir, 'mgmtd-b', 2_000)]);
  const rpc = RpcClient.create({ secret: await loadOrCreateClusterSecret(dataDir), timeoutMs: 2_000 });
  t.after(() => rpc.close());
  const mgmtd = MgmtdClient.create({ rpc, addresses: [a.address, b.address], retryDeadlineMs: 30_000, callTimeoutMs: 2_000, log: () => undefined });
  t.after(() => mgmtd.close());
  await mgmtd.registerNode({ nodeId: 1, type: 'STORAGE', address: null });
  await mgmtd.heartbeat({ nodeId: 1, targets: [], routingVersion: 0 });

  const primary = (await rpc.call(parseAddress(a.address), MgmtdService, 'getPrimary', null)).primary;
  const [victim, survivor] = primary === a.address ? [a, b] : [b, a];
  victim.child.kill('SIGTERM');
  await victim.exited;
  assert.equal(victim.child.exitCode, 0);
  assert.equal(existsSync(join(dataDir, `${victim === a ? 'mgmtd-a' : 'mgmtd-b'}.pid`)), false);

  // Node 1 stops heartbeating; the survivor takes over and, past the failure interval, marks it FAILED.
  await waitFor('node 1 to be marked FAILED', async () => {
    const routing = await mgmtd.refreshRouting();
    return routing.nodes.find((n) => n.nodeId === 1)?.status === 'FAILED';
  });
  assert.equal(mgmtd.primaryAddress, survivor.address);
});
