import { collectDefaultMetrics, Registry } from 'prom-client';
import { GeneralError } from '../errors.ts';
import { MetricsExporter } from './exporter.ts';
import { PrometheusMetricsRegistry } from './rpc-metrics.ts';

export interface ServiceMetricsOptions {
  /** Names the process on every series (`service="storage-1"`). */
  readonly service: string;
  readonly host?: string;
  /** 0 picks a free port; null serves no HTTP (the registry still collects, for tests and `firepond status`). */
  readonly port: number | null;
}

/**
 * Everything a service process exports: one prom-client registry with the Node process defaults, the RPC metrics
 * (pass `rpc` to the process's `RpcServer` and `RpcClient`s), whatever the service adds (`registry`), and the HTTP
 * exporter.
 *
 *   const metrics = await ServiceMetrics.create({ service: name, port: 0 });
 *   const server = await RpcServer.create({ secret, metrics: metrics.rpc });
 *   ... metrics.address → "127.0.0.1:PORT" for the ready line
 *   await metrics.close();
 */
export class ServiceMetrics {
  private constructor(
    readonly registry: Registry,
    readonly rpc: PrometheusMetricsRegistry,
    private readonly exporter: MetricsExporter | null,
  ) {}

  static async create(options: ServiceMetricsOptions): Promise<ServiceMetrics> {
    const registry = new Registry();
    registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: registry });
    const rpc = new PrometheusMetricsRegistry(registry);
    const exporter = options.port === null
      ? null
      : await MetricsExporter.create({ registry, port: options.port, ...(options.host === undefined ? {} : { host: options.host }) });
    return new ServiceMetrics(registry, rpc, exporter);
  }

  /** `host:port` of the exporter; null when it is off. */
  get address(): string | null {
    return this.exporter?.address ?? null;
  }

  close(): Promise<void> {
    return this.exporter?.close() ?? Promise.resolve();
  }
}

/** `--metrics-port`: a port (0 picks a free one) or `off`. */
export function parseMetricsPort(text: string): number | null {
  if (text === 'off') return null;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw GeneralError.INVALID_ARGUMENT(`--metrics-port must be off or an integer in 0-65535, got ${text}`);
  }
  return n;
}
