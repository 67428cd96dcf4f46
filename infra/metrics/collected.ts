import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/** One series of a collected metric: its labels and its current value. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface CollectedMetricSpec {
  readonly registry: Registry;
  /** The Prometheus name (`firepond_storage_chunk_writes_total`). */
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Read on every scrape; a counter's samples must never go down (they are totals kept elsewhere). */
  readonly read: () => Iterable<Sample> | Promise<Iterable<Sample>>;
}

/**
 * A counter whose values live elsewhere (a component's own totals) and are copied in when Prometheus scrapes:
 * nothing is paid on the hot path. Series that were not read this time disappear from the exposition (also the
 * one series of an unlabeled metric, when `read` returns nothing).
 */
export function collectedCounter(spec: CollectedMetricSpec): Counter {
  return new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers: [spec.registry],
    async collect() {
      await refill(this, spec, (s) => this.inc(s.labels, s.value));
    },
  });
}

/** A gauge read on every scrape, like `collectedCounter`. */
export function collectedGauge(spec: CollectedMetricSpec): Gauge {
  return new Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers: [spec.registry],
    async collect() {
      await refill(this, spec, (s) => this.set(s.labels, s.value));
    },
  });
}

/**
 * The Prometheus name of a dotted Firepond metric (STYLE rule 13): `rpc.server.requests` → `firepond_rpc_server_requests`.
 * Counters add `_total`; a `_ms` unit becomes `_seconds` (the exporter divides by 1000).
 */
export function promName(dotted: string, kind: 'counter' | 'histogram' | 'gauge'): string {
  const base = `firepond_${dotted.replace(/[^a-zA-Z0-9_]/g, '_')}`.replace(/_ms$/, '_seconds');
  return kind === 'counter' ? `${base}_total` : base;
}

async function refill(metric: Counter | Gauge, spec: CollectedMetricSpec, put: (sample: Sample) => void): Promise<void> {
  const samples = await spec.read();
  metric.reset();
  if (spec.labelNames.length === 0) metric.remove({}); // reset() brings an unlabeled series back as 0: absent is truer
  for (const s of samples) put(s);
}
