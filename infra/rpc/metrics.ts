/**
 * A small in-memory metrics registry: counters and summaries keyed by a dotted name (`rpc.server.requests`) and a
 * label set (`{ method: 'storage.write', status: 'OK' }`). A service exposes `snapshot()` later (and may feed it to
 * prom-client); tests read single values.
 */
export type MetricLabels = Readonly<Record<string, string>>;

export interface Summary {
  count: number;
  sum: number;
  min: number;
  max: number;
}

function labelKey(labels: MetricLabels): string {
  const keys = Object.keys(labels);
  if (keys.length === 1) return `${keys[0]}=${labels[keys[0]!]}`; // the common case, without sorting and joining
  keys.sort();
  return keys.map((k) => `${k}=${labels[k]}`).join(',');
}

function matches(key: string, labels: MetricLabels): boolean {
  const parts = new Set(key.split(','));
  return Object.entries(labels).every(([k, v]) => parts.has(`${k}=${v}`));
}

export class MetricsRegistry {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly summaries = new Map<string, Map<string, Summary>>();

  increment(name: string, labels: MetricLabels = {}, by = 1): void {
    const series = this.counters.get(name) ?? new Map<string, number>();
    this.counters.set(name, series);
    const key = labelKey(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  observe(name: string, labels: MetricLabels, value: number): void {
    const series = this.summaries.get(name) ?? new Map<string, Summary>();
    this.summaries.set(name, series);
    const key = labelKey(labels);
    const s = series.get(key);
    if (s === undefined) series.set(key, { count: 1, sum: value, min: value, max: value });
    else {
      s.count += 1;
      s.sum += value;
      s.min = Math.min(s.min, value);
      s.max = Math.max(s.max, value);
    }
  }

  /** The counter summed over every series whose labels include `labels`. */
  counter(name: string, labels: MetricLabels = {}): number {
    let total = 0;
    for (const [key, value] of this.counters.get(name) ?? []) if (matches(key, labels)) total += value;
    return total;
  }

  /** The summary merged over every series whose labels include `labels`; null when nothing was observed. */
  summary(name: string, labels: MetricLabels = {}): Summary | null {
    let out: Summary | null = null;
    for (const [key, s] of this.summaries.get(name) ?? []) {
      if (!matches(key, labels)) continue;
      out = out === null ? { ...s } : { count: out.count + s.count, sum: out.sum + s.sum, min: Math.min(out.min, s.min), max: Math.max(out.max, s.max) };
    }
    return out;
  }

  /** Every series as `name{labels}` → value. */
  snapshot(): { counters: Record<string, number>; summaries: Record<string, Summary> } {
    const counters: Record<string, number> = {};
    const summaries: Record<string, Summary> = {};
    for (const [name, series] of this.counters) for (const [key, v] of series) counters[`${name}{${key}}`] = v;
    for (const [name, series] of this.summaries) for (const [key, s] of series) summaries[`${name}{${key}}`] = { ...s };
    return { counters, summaries };
  }
}
