/**
 * `firepond admin init-cluster` against a real local cluster (`up` without Temporal, started with a short failure
 * interval and fast heartbeats through the UpOptions pass-throughs): `up` has created table 1, so the CLI refuses
 * it and impossible tables, then creates table 2 on the next disk of each node and prints its placement; `up` again
 * keeps everything running (a table on disks no node offers yet does not count against `clusterServes`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { up } from '../infra/cluster/index.ts';
import { MgmtdClient } from '../infra/mgmtd/index.ts';
import { loadOrCreateClusterSecret, RpcClient } from '../infra/rpc/index.ts';
import { clusterDataDir } from './lib/cluster-dir.ts';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);

/** Runs the CLI; resolves with stdout, or with the exit code and stderr of a refusal. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin', 'firepond.js'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('admin init-cluster refuses an existing table and impossible ones, creates a second table and prints it', { timeout: 180_000 }, async (t) => {
  const dataDir = clusterDataDir(t, 'fp-init-cluster-');
  const stack = await up({ dataDir, temporal: false, failureIntervalMs: 8_000, heartbeatMs: 300 });
  const mgmtdAddresses = stack.services.filter((s) => s.name.startsWith('mgmtd-')).map((s) => s.record!.address);
  assert.ok(stack.services.filter((s) => s.name.startsWith('storage-')).every((s) => s.record!.args.join(' ').includes('--heartbeat-ms 300')));

  // 1. The pass-through reached mgmtd: heartbeat replies carry its failure interval.
  const rpc = RpcClient.create({ secret: await loadOrCreateClusterSecret(dataDir), timeoutMs: 5_000 });
  t.after(() => rpc.close());
  const mgmtd = MgmtdClient.create({ rpc, addresses: mgmtdAddresses, log: () => undefined });
  t.after(() => mgmtd.close());
  await mgmtd.registerNode({ nodeId: 900, type: 'CLIENT', address: null });
  assert.equal((await mgmtd.heartbeat({ nodeId: 900, targets: [], routingVersion: 0 })).failureIntervalMs, 8_000);

  // 2. Refusals, each saying why, exit code 1.
  const exists = await cli('admin', 'init-cluster', '--data-dir', dataDir, '--targets-per-node', '2');
  assert.equal(exists.code, 1);
  assert.match(exists.stderr, /cannot create chain table 1: it exists/);
  const tooMany = await cli('admin', 'init-cluster', '--data-dir', dataDir, '--table-id', '2', '--replicas', '4');
  assert.match(tooMany.stderr, /4 replicas per chain need 4 distinct storage nodes, there are 3 \(1,2,3\)/);
  const unknown = await cli('admin', 'init-cluster', '--data-dir', dataDir, '--table-id', '2', '--nodes', '1,2,7');
  assert.match(unknown.stderr, /node 7 is not registered/);
  const badFlag = await cli('admin', 'init-cluster', '--data-dir', dataDir, '--table-id', 'two');
  assert.match(badFlag.stderr, /--table-id must be an integer ≥ 1, got "two"/);

  // 3. A dry run prints the plan and changes nothing.
  const before = (await mgmtd.refreshRouting()).version;
  const dry = await cli('admin', 'init-cluster', '--data-dir', dataDir, '--table-id', '2', '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would create chain table 2 v1: 1 chains of 3 replicas over nodes 1,2,3 \(disk 2 of each\)/);
  assert.equal((await mgmtd.refreshRouting()).version, before);

  // 4. Table 2 on the next disk of every node, named by --mgmtd; its chains on distinct nodes, heads spread.
  const created = await cli('admin', 'init-cluster', '--mgmtd', mgmtdAddresses.join(','), '--data-dir', dataDir,
    '--table-id', '2', '--targets-per-node', '2', '--replicas', '2');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created chain table 2 v1: 3 chains of 2 replicas over nodes 1,2,3 \(disks 2-3 of each\)/);
  assert.match(created.stdout, /CHAIN\s+TARGETS \(head first\)\s+NODES \(head first\)\n[- ]+\n200001\s+1003 2003\s+1 2\n/);
  assert.match(created.stdout, /NODE\s+TARGETS\s+HEADS\n[- ]+\n1\s+2\s+1\n2\s+2\s+1\n3\s+2\s+1/);
  const routing = await mgmtd.refreshRouting();
  assert.deepEqual(routing.chainTables.map((x) => [x.chainTableId, x.chains.length]), [[1, 2], [2, 3]]);
  const nodeOf = new Map(routing.targets.map((x) => [x.targetId, x.nodeId]));
  for (const chain of routing.chains.filter((c) => c.chainId > 200_000)) {
    assert.equal(new Set(chain.targets.map((x) => nodeOf.get(x.targetId))).size, 2, `chain ${chain.chainId}`);
  }
  const tables = await cli('admin', 'list-chain-tables', '--mgmtd', mgmtdAddresses.join(','), '--secret-dir', dataDir);
  assert.match(tables.stdout, /\n2\s+1\s+3\s+200001,200002,200003/);

  // 5. up again: everything keeps running; table 1 still serves.
  const again = await up({ dataDir, temporal: false, failureIntervalMs: 8_000, heartbeatMs: 300 });
  assert.deepEqual(again.started, []);
});
