import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { MetricsRegistry } from '../rpc/index.ts';
import type { MetricLabels } from '../rpc/index.ts';
import { collectedCounter, promName } from './collected.ts';
import type { Sample } from './collected.ts';

/** Request latency buckets, in seconds: 100 µs (a loopback round trip) to 10 s (a deadline). */
export const LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The RPC layer's `MetricsRegistry`, also exported to a prom-client registry; hand it to `RpcServer`/`RpcClient` as
 * `metrics`. Tests keep reading `counter()`/`summary()` as before.
 *
 * Counters are copied in on scrape (their totals already live in the registry; the hot path pays one set lookup
 * per increment, to declare a counter the first time its name is seen). Observations are also fed to a Prometheus
 * histogram as they happen, because the registry keeps only count/sum/min/max and a latency wants buckets.
 *
 *   rpc.server.requests{method,status}  → firepond_rpc_server_requests_total{method,status}
 *   rpc.server.latency_ms{method}       → firepond_rpc_server_latency_seconds{method} (histogram)
 *
 * One bridge per prom-client registry: two would declare the same names. Label values must not contain `,` or `=`
 * (they are methods and error codes), since the registry's series keys are `k=v,k=v`.
 */
export class PrometheusMetricsRegistry extends MetricsRegistry {
  private readonly exported = new Set<string>();
  private readonly histograms = new Map<string, { readonly histogram: Histogram; readonly labelNames: readonly string[] }>();

  constructor(private readonly registry: Registry) {
    super();
  }

  override increment(name: string, labels: MetricLabels = {}, by = 1): void {
    super.increment(name, labels, by);
    if (!this.exported.has(name)) this.exportCounter(name, labels);
  }

  override observe(name: string, labels: MetricLabels, value: number): void {
    super.observe(name, labels, value);
    const { histogram, labelNames } = this.histograms.get(name) ?? this.exportHistogram(name, labels);
    histogram.observe(pick(labels, labelNames), name.endsWith('_ms') ? value / 1000 : value);
  }

  private exportCounter(name: string, labels: MetricLabels): void {
    this.exported.add(name);
    const labelNames = Object.keys(labels).sort();
    const prefix = `${name}{`;
    collectedCounter({
      registry: this.registry,
      name: promName(name, 'counter'),
      help: `${name}: a total of the RPC layer`,
      labelNames,
      read: () => {
        const samples: Sample[] = [];
        for (const [key, value] of Object.entries(this.snapshot().counters)) {
          if (key.startsWith(prefix)) samples.push({ labels: pick(parseLabels(key.slice(prefix.length, -1)), labelNames), value });
        }
        return samples;
      },
    });
  }

  private exportHistogram(name: string, labels: MetricLabels): { histogram: Histogram; labelNames: readonly string[] } {
    const labelNames = Object.keys(labels).sort();
    const histogram = new Histogram({
      name: promName(name, 'histogram'),
      help: `${name}${name.endsWith('_ms') ? ' (converted to seconds)' : ''}`,
      labelNames,
      ...(name.endsWith('_ms') ? { buckets: LATENCY_BUCKETS_SECONDS } : {}),
      registers: [this.registry],
    });
    const entry = { histogram, labelNames };
    this.histograms.set(name, entry);
    return entry;
  }
}

/** `method=a.b,status=OK` → `{ method: 'a.b', status: 'OK' }`. */
function parseLabels(key: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of key.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) labels[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return labels;
}

/** Only the declared labels: prom-client rejects others (a series first seen with fewer labels keeps that set). */
function pick(labels: MetricLabels, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined) out[n] = v;
  }
  return out;
}
