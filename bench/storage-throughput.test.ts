/**
 * The storage-throughput benchmark at a few MiB (STYLE.md rule 12): chunks written by two clients into the local
 * cluster's 3-replica chains read back intact, and every figure is a positive number. The fio and iperf3 baselines
 * are either measured or skipped (the test never installs them). No assertion on time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../test/helpers.ts';
import type { Baseline, ChunkThroughput } from './storage-throughput.ts';
import { formatReport, goalRatios, isMeasured, measureChunkThroughput, measureDisk, measureLoopbackTcp, withStorageCluster } from './storage-throughput.ts';

const MiB = 2 ** 20;

function assertBaseline(b: Baseline, what: string): void {
  if (isMeasured(b)) assert.ok(Number.isFinite(b.mbPerSec) && b.mbPerSec > 0, `${what}: ${b.mbPerSec}`);
  else assert.ok(b.skipped.length > 0, what);
}

test('storage throughput at 8 MiB and 1 MiB budgets, 2 clients: data intact, figures positive', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t, 'fp-storage-bench-');

  // 1. Baselines: a number or a reason, never a crash.
  const disk = await measureDisk({ dir, sizeBytes: 8 * MiB, install: false });
  assertBaseline(disk.write, 'disk write');
  assertBaseline(disk.read, 'disk read');
  const tcp = await measureLoopbackTcp({ seconds: 1, install: false });
  assertBaseline(tcp, 'loopback TCP');

  // 2. The workload through the storage client, both chunk sizes, on one cluster.
  const runs = await withStorageCluster(`${dir}/cluster`, async (cluster) => {
    assert.ok(cluster.chains.length > 0);
    const out: ChunkThroughput[] = [];
    out.push(await measureChunkThroughput(cluster, { chunkBytes: MiB, budgetBytes: 8 * MiB, clients: 2, inodeId: 1000n }));
    out.push(await measureChunkThroughput(cluster, { chunkBytes: 64 * 1024, budgetBytes: MiB, clients: 2, inodeId: 1001n }));
    return out;
  });
  assert.deepEqual(runs.map((r) => r.chunks), [8, 16]);
  for (const r of runs) {
    assert.equal(r.corrupt, 0, `${r.chunkBytes}-byte chunks read back intact`);
    assert.equal(r.bytes, r.chunks * r.chunkBytes);
    for (const v of [r.write.seconds, r.write.mbPerSec, r.write.opsPerSec, r.read.seconds, r.read.mbPerSec, r.read.opsPerSec]) {
      assert.ok(Number.isFinite(v) && v > 0, String(v));
    }
  }

  // 3. The report prints every figure and both ratios per chunk size.
  const report = { runs, disk, tcp };
  assert.equal(goalRatios(report).length, 2);
  const text = formatReport(report);
  assert.match(text, /1 MiB[\s\S]*64 KiB/);
  assert.match(text, /write \/ \(disk write ÷ 3\)/);
  assert.match(text, /read \/ min\(disk read, TCP\)/);
});
