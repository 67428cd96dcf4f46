import type { Registry } from 'prom-client';
import { hasCode } from '../errors.ts';
import { collectedGauge, promName } from '../metrics/index.ts';
import type { Sample } from '../metrics/index.ts';
import { localCallContext } from '../rpc/index.ts';
import type { RoutingInfo } from './routing/types.ts';
import type { Mgmtd } from './service/mgmtd.ts';

/**
 * The mgmtd process's own metrics, read on every scrape: whether it holds the lease, and on the primary the routing
 * version, nodes by type and status, targets by public state, and chains. A standby exports only `is_primary 0`
 * (its routing would be stale).
 */
export function registerMgmtdMetrics(registry: Registry, mgmtd: Mgmtd): void {
  const routing = scrapeRouting(mgmtd);
  const gauge = (dotted: string, help: string, labelNames: readonly string[], read: (r: RoutingInfo) => Sample[]): void => {
    collectedGauge({ registry, name: promName(dotted, 'gauge'), help, labelNames, read: async () => {
      const r = await routing();
      return r === null ? [] : read(r);
    } });
  };
  collectedGauge({
    registry,
    name: promName('mgmtd.is_primary', 'gauge'),
    help: '1 while this mgmtd holds the lease',
    labelNames: [],
    read: () => [{ labels: {}, value: mgmtd.leaseStatus() === 'PRIMARY' ? 1 : 0 }],
  });
  gauge('mgmtd.routing_version', 'version of the routing info the primary serves', [], (r) => [{ labels: {}, value: r.version }]);
  gauge('mgmtd.nodes', 'registered nodes by type and status', ['type', 'status'], (r) => countBy(r.nodes, (n) => ({ type: n.type, status: n.status })));
  gauge('mgmtd.targets', 'targets by public state', ['public_state'], (r) => countBy(r.targets, (t) => ({ public_state: t.publicState })));
  gauge('mgmtd.chains', 'chains in the routing info', [], (r) => [{ labels: {}, value: r.chains.length }]);
}

/**
 * The routing the primary serves, or null on a standby. Mgmtd keeps its routing private, so this asks its own
 * `getRoutingInfo` handler, as a local call (no peer, no deadline), and reads one snapshot per scrape.
 */
function scrapeRouting(mgmtd: Mgmtd): () => Promise<RoutingInfo | null> {
  const handlers = mgmtd.handlers();
  const context = localCallContext('mgmtd', 'getRoutingInfo', 'metrics');
  let pending: Promise<RoutingInfo | null> | null = null;
  return () => {
    pending ??= (async () => {
      try {
        if (mgmtd.leaseStatus() !== 'PRIMARY') return null;
        return (await handlers.getRoutingInfo({ ifNewerThan: null }, context)).routing;
      } catch (err) {
        if (hasCode(err, 'MGMTD_NOT_PRIMARY') || hasCode(err, 'MGMTD_LEASE_LOST')) return null;
        throw err;
      } finally {
        // The gauges of one scrape are collected together; the next scrape reads afresh.
        setImmediate(() => (pending = null));
      }
    })();
    return pending;
  };
}

function countBy<T>(items: readonly T[], labelsOf: (item: T) => Record<string, string>): Sample[] {
  const counts = new Map<string, Sample>();
  for (const item of items) {
    const labels = labelsOf(item);
    const key = JSON.stringify(labels);
    const current = counts.get(key);
    counts.set(key, { labels, value: (current?.value ?? 0) + 1 });
  }
  return [...counts.values()];
}
