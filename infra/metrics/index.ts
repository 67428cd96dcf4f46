// Prometheus metrics of a service process: the registry, the RPC bridge, collected metrics and the HTTP exporter.
export { collectedCounter, collectedGauge, promName } from './collected.ts';
export type { CollectedMetricSpec, Sample } from './collected.ts';
export { METRICS_EXPORTER_DEFAULTS, MetricsExporter } from './exporter.ts';
export type { MetricsExporterOptions } from './exporter.ts';
export { LATENCY_BUCKETS_SECONDS, PrometheusMetricsRegistry } from './rpc-metrics.ts';
export { parseMetricsPort, ServiceMetrics } from './service-metrics.ts';
export type { ServiceMetricsOptions } from './service-metrics.ts';
export { parsePrometheusText, sumSamples } from './parse.ts';
export type { PrometheusSample } from './parse.ts';
