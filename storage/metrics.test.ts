import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { parsePrometheusText, sumSamples } from '../infra/metrics/index.ts';
import { ChunkEngineMetrics } from './chunk-engine/index.ts';
import { registerStorageMetrics } from './metrics.ts';
import type { MeteredTargets } from './metrics.ts';

test('storage metrics: chunk-engine counters per target and targets by local state, read on each scrape', async () => {
  const a = new ChunkEngineMetrics();
  const b = new ChunkEngineMetrics();
  const targets: MeteredTargets = {
    all: () => [
      { targetId: 1001, localState: 'UPTODATE', engine: { metrics: a } },
      { targetId: 1002, localState: 'ONLINE', engine: { metrics: b } },
    ],
  };
  const registry = new Registry();
  registerStorageMetrics(registry, targets);
  a.increment('storage.chunk.write_bytes', 4096);
  b.increment('storage.chunk.read_bytes', 100);
  let samples = parsePrometheusText(await registry.metrics());
  assert.equal(sumSamples(samples, 'firepond_storage_chunk_write_bytes_total', { target: '1001' }), 4096);
  assert.equal(sumSamples(samples, 'firepond_storage_chunk_read_bytes_total', { target: '1002' }), 100);
  assert.equal(sumSamples(samples, 'firepond_storage_chunk_commits_total'), 0);
  assert.equal(sumSamples(samples, 'firepond_storage_targets', { local_state: 'ONLINE' }), 1);
  a.increment('storage.chunk.write_bytes', 4096);
  samples = parsePrometheusText(await registry.metrics());
  assert.equal(sumSamples(samples, 'firepond_storage_chunk_write_bytes_total'), 8192);
});
