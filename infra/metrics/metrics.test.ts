import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { GeneralError, hasCode } from '../errors.ts';
import { createStub, defineService, method, RpcClient, RpcServer } from '../rpc/index.ts';
import { collectedCounter } from './collected.ts';
import { MetricsExporter } from './exporter.ts';
import { parsePrometheusText, sumSamples } from './parse.ts';
import { PrometheusMetricsRegistry } from './rpc-metrics.ts';
import { parseMetricsPort, ServiceMetrics } from './service-metrics.ts';

const SECRET = 'b'.repeat(64);

const BlobService = defineService({
  id: 991,
  name: 'blob',
  methods: {
    put: method<{ readonly data: Uint8Array | null }, { readonly size: number }>({ id: 1, requestBulk: 'data' }),
    get: method<{ readonly size: number }, { readonly data: Uint8Array | null }>({ id: 2, responseBulk: 'data' }),
    fail: method<null, null>({ id: 3 }),
  },
});

async function scrape(address: string | null): Promise<string> {
  assert.ok(address !== null, 'the exporter is on');
  const rsp = await fetch(`http://${address}/metrics`);
  assert.equal(rsp.status, 200);
  assert.match(rsp.headers.get('content-type') ?? '', /^text\/plain/);
  return rsp.text();
}

test('the RPC bridge exports requests by method and status, a latency histogram, and wire bytes with bulk', async (t) => {
  const metrics = await ServiceMetrics.create({ service: 'blob-server', port: 0 });
  t.after(() => metrics.close());
  const server = await RpcServer.create({ secret: SECRET, metrics: metrics.rpc });
  t.after(() => server.close());
  server.register(BlobService, {
    put: (req) => ({ size: req.data?.length ?? 0 }),
    get: (req) => ({ data: Buffer.alloc(req.size, 7) }),
    fail: () => {
      throw GeneralError.INVALID_ARGUMENT('no');
    },
  });
  const clientRegistry = new Registry();
  const client = RpcClient.create({ secret: SECRET, metrics: new PrometheusMetricsRegistry(clientRegistry) });
  t.after(() => client.close());
  const stub = createStub(client, BlobService, server.address);

  for (let i = 0; i < 3; i++) assert.equal((await stub.put({ data: Buffer.alloc(10_000, i) })).size, 10_000);
  for (let i = 0; i < 2; i++) assert.equal((await stub.get({ size: 20_000 })).data?.length, 20_000);
  await assert.rejects(stub.fail(null), (err) => hasCode(err, 'INVALID_ARGUMENT'));

  const samples = parsePrometheusText(await scrape(metrics.address));
  const put = { method: 'blob.put' };
  const get = { method: 'blob.get' };
  assert.equal(sumSamples(samples, 'firepond_rpc_server_requests_total', { ...put, status: 'OK' }), 3);
  assert.equal(sumSamples(samples, 'firepond_rpc_server_requests_total', { ...get, status: 'OK' }), 2);
  assert.equal(sumSamples(samples, 'firepond_rpc_server_requests_total', { method: 'blob.fail', status: 'INVALID_ARGUMENT' }), 1);
  assert.equal(sumSamples(samples, 'firepond_rpc_server_latency_seconds_count', put), 3);
  assert.ok(sumSamples(samples, 'firepond_rpc_server_latency_seconds_sum', put) > 0);
  assert.equal(sumSamples(samples, 'firepond_rpc_server_latency_seconds_bucket', { ...put, le: '+Inf' }), 3);
  // Wire bytes count headers and bulk: the exported totals are the registry's, and cover the payloads.
  const bytesIn = sumSamples(samples, 'firepond_rpc_server_bytes_in_total', put);
  assert.equal(bytesIn, server.metrics.counter('rpc.server.bytes_in', put));
  assert.ok(bytesIn >= 30_000, `request bytes ${bytesIn}`);
  assert.ok(sumSamples(samples, 'firepond_rpc_server_bytes_out_total', get) >= 40_000);
  assert.ok(sumSamples(samples, 'firepond_rpc_server_connections_total') >= 1);
  // Every series names the process; the Node process defaults are there too.
  assert.ok(samples.length > 0 && samples.every((s) => s.labels['service'] === 'blob-server'));
  assert.ok(sumSamples(samples, 'process_cpu_seconds_total') > 0);
  assert.ok(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes'));

  // The client side, on its own registry.
  const clientSamples = parsePrometheusText(await clientRegistry.metrics());
  assert.equal(sumSamples(clientSamples, 'firepond_rpc_client_requests_total', { ...put, status: 'OK' }), 3);
  assert.equal(sumSamples(clientSamples, 'firepond_rpc_client_requests_total', { method: 'blob.fail', status: 'INVALID_ARGUMENT' }), 1);
  assert.ok(sumSamples(clientSamples, 'firepond_rpc_client_bytes_out_total', put) >= 30_000);
  assert.ok(sumSamples(clientSamples, 'firepond_rpc_client_bytes_in_total', get) >= 40_000);
  assert.equal(sumSamples(clientSamples, 'firepond_rpc_client_latency_seconds_count', get), 2);

  // Counters follow the registry between scrapes.
  await stub.put({ data: Buffer.alloc(1, 1) });
  assert.equal(sumSamples(parsePrometheusText(await scrape(metrics.address)), 'firepond_rpc_server_requests_total', { ...put, status: 'OK' }), 4);
});

test('a collected counter reads its source on every scrape; series gone from the source leave the exposition', async () => {
  const registry = new Registry();
  const source = new Map<string, number>([['a', 1], ['b', 2]]);
  collectedCounter({
    registry,
    name: 'firepond_test_things_total',
    help: 'things',
    labelNames: ['kind'],
    read: () => [...source].map(([kind, value]) => ({ labels: { kind }, value })),
  });
  let samples = parsePrometheusText(await registry.metrics());
  assert.equal(sumSamples(samples, 'firepond_test_things_total', { kind: 'b' }), 2);
  source.set('b', 5);
  source.delete('a');
  samples = parsePrometheusText(await registry.metrics());
  assert.equal(sumSamples(samples, 'firepond_test_things_total', { kind: 'b' }), 5);
  assert.equal(samples.filter((s) => s.labels['kind'] === 'a').length, 0);
});

test('the exporter answers /healthz, 404 elsewhere, and closes idempotently', async (t) => {
  const exporter = await MetricsExporter.create({ registry: new Registry(), port: 0 });
  t.after(() => exporter.close());
  assert.match(exporter.address, /^127\.0\.0\.1:\d+$/);
  assert.equal(exporter.url, `http://${exporter.address}/metrics`);
  const health = await fetch(`http://${exporter.address}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok\n');
  const missing = await fetch(`http://${exporter.address}/nope`);
  assert.equal(missing.status, 404);
  await missing.text();
  assert.equal((await fetch(exporter.url, { method: 'POST' })).status, 405);
  await exporter.close();
  await exporter.close();
  await assert.rejects(fetch(exporter.url));
});

test('--metrics-port takes a port, 0 for a free one, or off', async () => {
  assert.equal(parseMetricsPort('0'), 0);
  assert.equal(parseMetricsPort('9464'), 9464);
  assert.equal(parseMetricsPort('off'), null);
  for (const bad of ['', '-1', '65536', '1.5', 'on']) assert.throws(() => parseMetricsPort(bad), (err) => hasCode(err, 'INVALID_ARGUMENT'), bad);
  const metrics = await ServiceMetrics.create({ service: 'quiet', port: null });
  assert.equal(metrics.address, null);
  await metrics.close();
});
