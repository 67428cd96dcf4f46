/**
 * Every service of `firepond up` logs to its data dir and exports Prometheus metrics: mgmtd ×2 and storage ×3 start
 * as processes, each records a metrics address; after chunk writes and reads through the storage client, every
 * service's /metrics shows its RPC requests, latencies and wire bytes moved by at least what was done, storage shows
 * chunk bytes per target, mgmtd shows the routing it serves; `firepond status` prints the URLs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { LOCAL_CLUSTER, up } from '../infra/cluster/index.ts';
import { encodeChunkId, MgmtdClient } from '../infra/mgmtd/index.ts';
import { parsePrometheusText, sumSamples } from '../infra/metrics/index.ts';
import type { PrometheusSample } from '../infra/metrics/index.ts';
import { loadOrCreateClusterSecret, RpcClient } from '../infra/rpc/index.ts';
import { MgmtdRoutingSource, StorageClient } from '../storage/index.ts';
import { clusterDataDir } from './lib/cluster-dir.ts';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);

async function scrape(metricsAddress: string): Promise<PrometheusSample[]> {
  const rsp = await fetch(`http://${metricsAddress}/metrics`);
  assert.equal(rsp.status, 200, metricsAddress);
  return parsePrometheusText(await rsp.text());
}

test('every service logs to its data dir and exports request, latency and byte metrics', { timeout: 180_000 }, async (t) => {
  const dataDir = clusterDataDir(t, 'fp-metrics-');

  // 1. Up: five services, each with a metrics address on loopback and a live /healthz.
  const stack = await up({ dataDir, temporal: false });
  const services = stack.services.map((s) => {
    assert.equal(s.state, 'running', s.name);
    const record = s.record!;
    assert.match(record.metricsAddress ?? '', /^127\.0\.0\.1:\d+$/, `${s.name} metrics address`);
    return { name: s.name, metricsAddress: record.metricsAddress!, logPath: record.logPath };
  });
  assert.deepEqual(services.map((s) => s.name), ['mgmtd-1', 'mgmtd-2', 'storage-1', 'storage-2', 'storage-3']);
  for (const s of services) assert.equal(await (await fetch(`http://${s.metricsAddress}/healthz`)).text(), 'ok\n', s.name);
  const storage = services.filter((s) => s.name.startsWith('storage-'));
  const mgmtds = services.filter((s) => s.name.startsWith('mgmtd-'));

  /** A metric summed over the storage services. */
  const storageTotal = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
    let total = 0;
    for (const s of storage) total += sumSamples(await scrape(s.metricsAddress), name, labels);
    return total;
  };
  const counters = {
    writes: ['firepond_rpc_server_requests_total', { method: 'storage.write', status: 'OK' }],
    updates: ['firepond_rpc_server_requests_total', { method: 'storage.update', status: 'OK' }],
    reads: ['firepond_rpc_server_requests_total', { method: 'storage.read', status: 'OK' }],
    writeLatencies: ['firepond_rpc_server_latency_seconds_count', { method: 'storage.write' }],
    readLatencies: ['firepond_rpc_server_latency_seconds_count', { method: 'storage.read' }],
    writeBytesIn: ['firepond_rpc_server_bytes_in_total', { method: 'storage.write' }],
    readBytesOut: ['firepond_rpc_server_bytes_out_total', { method: 'storage.read' }],
    chunkWriteBytes: ['firepond_storage_chunk_write_bytes_total', {}],
    chunkReadBytes: ['firepond_storage_chunk_read_bytes_total', {}],
    chunkWrites: ['firepond_storage_chunk_writes_total', {}],
  } as const;
  type CounterName = keyof typeof counters;
  const readAll = async (): Promise<Record<CounterName, number>> => {
    const out = {} as Record<CounterName, number>;
    for (const [key, [name, labels]] of Object.entries(counters)) out[key as CounterName] = await storageTotal(name, labels);
    return out;
  };
  const before = await readAll();

  // 2. Writes and reads through the storage client: each chunk goes to a chain head and on to two successors.
  const secret = await loadOrCreateClusterSecret(dataDir);
  const rpc = RpcClient.create({ secret, timeoutMs: 5_000 });
  t.after(() => rpc.close());
  const mgmtd = MgmtdClient.create({ rpc, addresses: mgmtds.map((m) => stack.services.find((s) => s.name === m.name)!.record!.address), log: () => undefined });
  t.after(() => mgmtd.close());
  const routing = await mgmtd.refreshRouting();
  const client = StorageClient.create({ routing: new MgmtdRoutingSource(mgmtd), rpc: { secret, timeoutMs: 5_000 } });
  t.after(() => client.close());
  const chunks = routing.chains.flatMap((chain, c) => [0, 1, 2].map((i) => ({
    chainId: chain.chainId,
    chunkId: encodeChunkId(BigInt(40 + c), i),
    data: Buffer.alloc(16_384 + i * 1000, `metrics ${c}/${i} `),
  })));
  const written = chunks.reduce((n, c) => n + c.data.length, 0);
  for (const chunk of chunks) await client.write({ ...chunk, offset: 0 });
  let read = 0;
  for (const chunk of chunks) {
    const got = await client.read({ chainId: chunk.chainId, chunkId: chunk.chunkId, offset: 0, length: chunk.data.length });
    assert.deepEqual(got.data, chunk.data);
    read += got.data.length;
  }

  // 3. Storage: requests, latencies and bytes moved by at least what was done.
  const after = await readAll();
  const moved = (key: CounterName): number => after[key] - before[key];
  const n = chunks.length;
  const replicas = LOCAL_CLUSTER.replicationFactor;
  assert.ok(moved('writes') >= n, `storage.write requests moved ${moved('writes')}, want ≥ ${n}`);
  assert.ok(moved('updates') >= n * (replicas - 1), `storage.update requests moved ${moved('updates')}`);
  assert.ok(moved('reads') >= n, `storage.read requests moved ${moved('reads')}`);
  assert.ok(moved('writeLatencies') >= n, `storage.write latencies moved ${moved('writeLatencies')}`);
  assert.ok(moved('readLatencies') >= n, `storage.read latencies moved ${moved('readLatencies')}`);
  assert.ok(moved('writeBytesIn') >= written, `storage.write request bytes moved ${moved('writeBytesIn')}, want ≥ ${written}`);
  assert.ok(moved('readBytesOut') >= read, `storage.read response bytes moved ${moved('readBytesOut')}, want ≥ ${read}`);
  assert.ok(moved('chunkWriteBytes') >= written * replicas, `chunk bytes written moved ${moved('chunkWriteBytes')}, want ≥ ${written * replicas}`);
  assert.ok(moved('chunkReadBytes') >= read, `chunk bytes read moved ${moved('chunkReadBytes')}, want ≥ ${read}`);
  assert.ok(moved('chunkWrites') >= n * replicas, `chunk writes moved ${moved('chunkWrites')}`);
  for (const s of storage) {
    const samples = await scrape(s.metricsAddress);
    assert.equal(new Set(samples.filter((x) => x.name === 'firepond_storage_chunk_write_bytes_total').map((x) => x.labels['target'])).size, LOCAL_CLUSTER.targetsPerNode, s.name);
    assert.equal(sumSamples(samples, 'firepond_storage_targets'), LOCAL_CLUSTER.targetsPerNode, s.name);
    assert.ok(sumSamples(samples, 'firepond_rpc_client_requests_total', { method: 'mgmtd.heartbeat', status: 'OK' }) > 0, `${s.name} heartbeats`);
    assert.ok(samples.every((x) => x.labels['service'] === s.name), `${s.name} labels every series`);
    assert.ok(sumSamples(samples, 'process_resident_memory_bytes') > 0, `${s.name} process metrics`);
  }

  // 4. Mgmtd: one primary, serving the routing it was asked for; it answered the storage nodes' heartbeats.
  const mgmtdSamples = await Promise.all(mgmtds.map((m) => scrape(m.metricsAddress)));
  assert.equal(mgmtdSamples.reduce((n, s) => n + sumSamples(s, 'firepond_mgmtd_is_primary'), 0), 1);
  const primary = mgmtdSamples.find((s) => sumSamples(s, 'firepond_mgmtd_is_primary') === 1)!;
  assert.ok(sumSamples(primary, 'firepond_mgmtd_routing_version') >= routing.version);
  assert.equal(sumSamples(primary, 'firepond_mgmtd_nodes', { type: 'STORAGE', status: 'CONNECTED' }), LOCAL_CLUSTER.storageNodeIds.length);
  assert.equal(sumSamples(primary, 'firepond_mgmtd_targets', { public_state: 'SERVING' }), routing.targets.length);
  assert.equal(sumSamples(primary, 'firepond_mgmtd_chains'), routing.chains.length);
  assert.ok(sumSamples(primary, 'firepond_rpc_server_requests_total', { method: 'mgmtd.heartbeat', status: 'OK' }) >= LOCAL_CLUSTER.storageNodeIds.length);
  assert.ok(sumSamples(primary, 'firepond_rpc_server_latency_seconds_count', { method: 'mgmtd.heartbeat' }) > 0);
  assert.ok(sumSamples(primary, 'firepond_rpc_server_bytes_in_total') > 0);

  // 5. Every service logged to its own file in its data dir; `firepond status` prints the metrics URLs.
  for (const s of services) assert.ok(statSync(s.logPath).size > 0, `${s.name} log ${s.logPath}`);
  const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'firepond.js'), 'status', '--data-dir', dataDir], { cwd: ROOT });
  assert.match(stdout, /SERVICE\s+STATE\s+ADDRESS\s+PID\s+METRICS\s+LOG/);
  for (const s of services) assert.match(stdout, new RegExp(`${s.name}\\s+running\\s+\\S+\\s+\\d+\\s+http://${s.metricsAddress.replace(/\./g, '\\.')}/metrics\\s`), s.name);
});
