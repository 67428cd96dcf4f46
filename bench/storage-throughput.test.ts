/**
 * The storage-throughput benchmark at a few MiB (STYLE.md rule 12): chunks written by two clients with two requests
 * in flight each into the local cluster's 3-replica chains read back intact, and every figure is a positive number.
 * The fio baselines (at both block sizes) and iperf3 are either measured or skipped (the test never installs them).
 * No assertion on time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../test/helpers.ts';
import type { Baseline, ChunkThroughput, DiskBaselines } from './storage-throughput.ts';
import { formatReport, goalRatios, isMeasured, measureChunkThroughput, measureDisk, measureLoopbackTcp, withStorageCluster } from './storage-throughput.ts';

const MiB = 2 ** 20;
const KiB = 2 ** 10;

function assertBaseline(b: Baseline, what: string): void {
  if (isMeasured(b)) assert.ok(Number.isFinite(b.mbPerSec) && b.mbPerSec > 0, `${what}: ${b.mbPerSec}`);
  else assert.ok(b.skipped.length > 0, what);
}

test('storage throughput at 8 MiB and 1 MiB budgets, 2 clients × depth 2: data intact, figures positive', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t, 'fp-storage-bench-');

  // 1. Baselines: a number or a reason, never a crash; disk ones at each chunk size as the block size.
  const disk: DiskBaselines[] = [];
  for (const blockBytes of [MiB, 64 * KiB]) {
    const d = await measureDisk({ dir, sizeBytes: 4 * MiB, blockBytes, install: false });
    assert.equal(d.blockBytes, blockBytes);
    assertBaseline(d.write, `disk write, ${blockBytes}-byte blocks`);
    assertBaseline(d.read, `disk read, ${blockBytes}-byte blocks`);
    assertBaseline(d.streamWrite, `streaming write, ${blockBytes}-byte blocks`);
    disk.push(d);
  }
  const tcp = await measureLoopbackTcp({ seconds: 1, install: false });
  assertBaseline(tcp, 'loopback TCP');

  // 2. The workload through the storage client, both chunk sizes, on one cluster.
  const runs = await withStorageCluster(`${dir}/cluster`, async (cluster) => {
    assert.ok(cluster.chains.length > 0);
    const out: ChunkThroughput[] = [];
    out.push(await measureChunkThroughput(cluster, { chunkBytes: MiB, budgetBytes: 8 * MiB, clients: 2, depth: 2, inodeId: 1000n }));
    out.push(await measureChunkThroughput(cluster, { chunkBytes: 64 * KiB, budgetBytes: MiB, clients: 2, depth: 2, inodeId: 1001n, warmupBytes: 256 * KiB }));
    return out;
  });
  assert.deepEqual(runs.map((r) => r.chunks), [8, 16]);
  for (const r of runs) {
    assert.equal(r.corrupt, 0, `${r.chunkBytes}-byte chunks read back intact`);
    assert.equal(r.bytes, r.chunks * r.chunkBytes);
    assert.equal(r.clients, 2);
    assert.equal(r.depth, 2);
    for (const v of [r.write.seconds, r.write.mbPerSec, r.write.opsPerSec, r.read.seconds, r.read.mbPerSec, r.read.opsPerSec]) {
      assert.ok(Number.isFinite(v) && v > 0, String(v));
    }
  }

  // 3. Each chunk size's goals divide by baselines of its own block size; 64 KiB also gets the 1 MiB reference.
  const report = { runs, disk, tcp };
  const ratios = goalRatios(report);
  assert.deepEqual(ratios.map((g) => [g.chunkBytes, g.blockBytes, g.reference?.blockBytes ?? null]), [[MiB, MiB, null], [64 * KiB, 64 * KiB, MiB]]);
  const text = formatReport(report);
  assert.match(text, /^1 MiB\s+2×2\s/m);
  assert.match(text, /^64 KiB\s+2×2\s/m);
  assert.match(text, /raw disk write, 1 MiB blocks/);
  assert.match(text, /raw disk write, 64 KiB blocks/);
  assert.match(text, /^1 MiB chunks, 1 MiB blocks:\s+write \/ \(disk write ÷ 3\) = .* read \/ min\(disk read, TCP\) = /m);
  assert.match(text, /^64 KiB chunks, 64 KiB blocks:\s+write \/ \(disk write ÷ 3\) = .* read \/ min\(disk read, TCP\) = /m);
  assert.match(text, /^64 KiB chunks, 1 MiB blocks \(reference\):\s+write \/ \(disk write ÷ 3\) = /m);
  assert.doesNotMatch(text, /^1 MiB chunks, 1 MiB blocks \(reference\)/m);
  assert.equal(text.match(/write \/ \(streaming write ÷ 3\) = .*the same goal/g)?.length, 2);
});
