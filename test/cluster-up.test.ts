/**
 * `firepond up` without Temporal, end to end: mgmtd ×2 and storage ×3 start as detached processes from one data
 * dir, the chain table is created, every chain serves; chunks written through the storage client are on every
 * replica; a second `up` is a no-op; the admin CLI prints tables; `down` stops everything, also a crashed node's
 * leftovers, and a second `down` is a no-op.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { down, serviceDir, status, up } from '../infra/cluster/index.ts';
import { encodeChunkId, parseAddress } from '../infra/mgmtd/index.ts';
import { createStub } from '../infra/rpc/index.ts';
import { isProcessAlive } from '../infra/temporal/index.ts';
import { MgmtdRoutingSource, StorageClient, StorageService } from '../storage/index.ts';
import { clusterDataDir, connectCluster } from './lib/cluster-dir.ts';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'firepond.js'), ...args], { cwd: ROOT });
  return stdout;
}

test('up starts mgmtd ×2 and storage ×3 serving chains of three replicas; down stops them', { timeout: 180_000 }, async (t) => {
  const dataDir = clusterDataDir(t, 'fp-cluster-up-');

  // 1. Up: five services, each with a pid and a log file in its own dir.
  const stack = await up({ dataDir, temporal: false });
  assert.deepEqual([...stack.started].sort(), ['mgmtd-1', 'mgmtd-2', 'storage-1', 'storage-2', 'storage-3']);
  assert.equal(stack.temporal, null);
  for (const s of stack.services) {
    assert.equal(s.state, 'running', s.name);
    assert.ok(existsSync(join(serviceDir(dataDir, s.name), `${s.name}.log`)), `${s.name}.log`);
    assert.ok(existsSync(join(serviceDir(dataDir, s.name), `${s.name}.pid`)), `${s.name}.pid`);
  }
  const pids = stack.services.map((s) => s.record!.pid);

  // 2. Routing: 3 storage nodes, 6 targets, chains of 3 replicas on distinct nodes, all SERVING.
  const { secret, rpc, mgmtd } = await connectCluster(t, dataDir);
  const routing = await mgmtd.refreshRouting();
  assert.deepEqual(routing.nodes.filter((n) => n.type === 'STORAGE' && n.status === 'CONNECTED').map((n) => n.nodeId), [1, 2, 3]);
  assert.equal(routing.targets.length, 6);
  assert.equal(routing.chains.length, 2);
  const nodeOf = new Map(routing.targets.map((x) => [x.targetId, x.nodeId]));
  for (const chain of routing.chains) {
    assert.equal(chain.targets.length, 3);
    assert.ok(chain.targets.every((x) => x.publicState === 'SERVING'), `chain ${chain.chainId} serves`);
    assert.equal(new Set(chain.targets.map((x) => nodeOf.get(x.targetId))).size, 3, `chain ${chain.chainId} spans three nodes`);
  }

  // 3. Chunks written through the storage client are readable from every replica.
  const storage = StorageClient.create({ routing: new MgmtdRoutingSource(mgmtd), rpc: { secret, timeoutMs: 5_000 } });
  t.after(() => storage.close());
  const chunks = routing.chains.flatMap((chain, c) => [0, 1].map((i) => ({
    chainId: chain.chainId,
    chunkId: encodeChunkId(BigInt(7 + c), i),
    data: Buffer.alloc(3000 + i * 100, `chunk ${c}/${i} `),
  })));
  for (const chunk of chunks) await storage.write({ ...chunk, offset: 0 });
  for (const chunk of chunks) {
    const chain = routing.chains.find((c) => c.chainId === chunk.chainId)!;
    for (const target of chain.targets) {
      const node = routing.nodes.find((n) => n.nodeId === nodeOf.get(target.targetId))!;
      const replica = createStub(rpc, StorageService, parseAddress(node.address!));
      const rsp = await replica.read({ chunkId: chunk.chunkId, chainId: chain.chainId, chainVer: chain.chainVersion, offset: 0, length: chunk.data.length });
      assert.deepEqual(Buffer.from(rsp.data ?? []), chunk.data, `target ${target.targetId}`);
    }
  }

  // 4. A second up finds everything running.
  const again = await up({ dataDir, temporal: false });
  assert.deepEqual(again.started, []);
  assert.deepEqual(again.services.map((s) => s.record!.pid), pids);

  // 5. The admin CLI prints tables.
  assert.match(await cli('admin', 'list-nodes', '--data-dir', dataDir), /NODE\s+TYPE\s+STATUS[\s\S]*\n3\s+STORAGE\s+CONNECTED\s+127\.0\.0\.1:\d+/);
  const targets = await cli('admin', 'list-targets', '--data-dir', dataDir);
  assert.equal(targets.match(/SERVING\s+UPTODATE/g)?.length, 6);
  assert.match(await cli('admin', 'list-chains', '--data-dir', dataDir), /100001\s+\d+\s+\d+\(SERVING\) \d+\(SERVING\) \d+\(SERVING\)/);
  assert.match(await cli('admin', 'list-chain-tables', '--data-dir', dataDir), /TABLE\s+VERSION\s+CHAINS[\s\S]*\n1\s+1\s+2\s+100001,100002/);
  assert.match(await cli('status', '--data-dir', dataDir), /storage-3\s+running\s+127\.0\.0\.1:\d+/);

  // 6. A node that crashed shows as such; up starts it again (its chunks survive), and down clears what a crash left.
  const kill = async (pid: number): Promise<void> => {
    process.kill(pid, 'SIGKILL');
    while (isProcessAlive(pid)) await sleep(20);
  };
  await kill(again.services.find((s) => s.name === 'storage-3')!.record!.pid);
  assert.equal(status(dataDir).services.find((s) => s.name === 'storage-3')?.state, 'crashed');
  const revived = await up({ dataDir, temporal: false });
  assert.deepEqual(revived.started, ['storage-3']);
  const node3 = revived.services.find((s) => s.name === 'storage-3')!.record!;
  pids.push(node3.pid);
  const chain = routing.chains[0]!;
  const target3 = chain.targets.find((x) => nodeOf.get(x.targetId) === 3)!;
  const fresh = (await mgmtd.refreshRouting()).chains.find((c) => c.chainId === chain.chainId)!;
  assert.ok(fresh.targets.some((x) => x.targetId === target3.targetId && x.publicState === 'SERVING'));
  const first = chunks.find((c) => c.chainId === chain.chainId)!;
  const rsp = await createStub(rpc, StorageService, parseAddress(node3.address))
    .read({ chunkId: first.chunkId, chainId: chain.chainId, chainVer: fresh.chainVersion, offset: 0, length: first.data.length });
  assert.deepEqual(Buffer.from(rsp.data ?? []), first.data);
  await kill(node3.pid);

  // 7. Down stops the rest; nothing is left running or recorded; a second down is a no-op.
  await mgmtd.close();
  assert.deepEqual((await down(dataDir)).sort(), ['mgmtd-1', 'mgmtd-2', 'storage-1', 'storage-2']);
  for (const pid of pids) assert.equal(isProcessAlive(pid), false, `pid ${pid}`);
  for (const s of status(dataDir).services) {
    assert.equal(s.state, 'stopped', s.name);
    assert.equal(existsSync(join(serviceDir(dataDir, s.name), `${s.name}.pid`)), false, `${s.name}.pid`);
  }
  assert.deepEqual(await down(dataDir), []);
});
