import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { parsePrometheusText, sumSamples } from '../metrics/index.ts';
import { registerMgmtdMetrics } from './metrics.ts';
import { call, memoryKv, storageCluster, testClock, testMgmtd } from './service/test-kit.ts';

test('mgmtd metrics: the primary exports its routing, a standby only is_primary 0', async (t) => {
  const clock = testClock();
  const kv = await memoryKv(t);
  const primary = await testMgmtd(t, kv, clock, { address: 'm1:1' });
  await primary.renewLease();
  await storageCluster(primary, 3);
  const standby = await testMgmtd(t, kv, clock, { address: 'm2:1' });
  await standby.renewLease();
  assert.equal(standby.leaseStatus(), 'STANDBY');

  const scrape = async (mgmtd: typeof primary): Promise<ReturnType<typeof parsePrometheusText>> => {
    const registry = new Registry();
    registerMgmtdMetrics(registry, mgmtd);
    return parsePrometheusText(await registry.metrics());
  };
  const routing = (await call(primary, 'getRoutingInfo', { ifNewerThan: null })).routing!;
  const p = await scrape(primary);
  assert.equal(sumSamples(p, 'firepond_mgmtd_is_primary'), 1);
  assert.equal(sumSamples(p, 'firepond_mgmtd_routing_version'), routing.version);
  assert.equal(sumSamples(p, 'firepond_mgmtd_nodes', { type: 'STORAGE' }), 3);
  assert.equal(sumSamples(p, 'firepond_mgmtd_targets'), routing.targets.length);
  assert.equal(sumSamples(p, 'firepond_mgmtd_chains'), routing.chains.length);

  const s = await scrape(standby);
  assert.equal(sumSamples(s, 'firepond_mgmtd_is_primary'), 0);
  assert.equal(s.filter((x) => x.name !== 'firepond_mgmtd_is_primary').length, 0);
});
