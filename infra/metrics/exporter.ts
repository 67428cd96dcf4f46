import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';

export const METRICS_EXPORTER_DEFAULTS = {
  /** Loopback: a scraper on the same host (or a tunnel) reads it; nothing is exposed beyond the machine. */
  host: '127.0.0.1',
  port: 0,
} as const;

export interface MetricsExporterOptions {
  readonly registry: Registry;
  readonly host?: string;
  /** 0 picks a free port; read it back from `address`. */
  readonly port?: number;
}

/**
 * The HTTP face of a process's metrics: `GET /metrics` (Prometheus text format, collected on each scrape) and
 * `GET /healthz` (`ok`).
 *
 *   const exporter = await MetricsExporter.create({ registry, port: 0 });
 *   t.after(() => exporter.close());
 */
export class MetricsExporter {
  private closing: Promise<void> | null = null;

  private constructor(private readonly server: Server, readonly address: string) {}

  static async create(options: MetricsExporterOptions): Promise<MetricsExporter> {
    const { registry } = options;
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`collect failed: ${(err as Error).message}\n`),
        );
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      }
    });
    const host = options.host ?? METRICS_EXPORTER_DEFAULTS.host;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: options.port ?? METRICS_EXPORTER_DEFAULTS.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    return new MetricsExporter(server, `${host}:${port}`);
  }

  /** `http://host:port/metrics`. */
  get url(): string {
    return `http://${this.address}/metrics`;
  }

  /** Stops listening and drops idle keep-alive connections. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }
}
