import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { GeneralError, RpcError } from '../errors.ts';
import type { RpcAddress } from './address.ts';
import type { ClusterSecret } from './auth.ts';
import type { RpcFaults } from './faults.ts';
import { BufferPool } from './buffer-pool.ts';
import { consoleRpcLogger } from './logger.ts';
import type { RpcLogger } from './logger.ts';
import { MetricsRegistry } from './metrics.ts';
import { adoptWithReadBuffer, READ_BUFFER_BYTES } from './read-buffer.ts';
import { ServerConnection } from './server-connection.ts';
import type { RegisteredMethod, ServerConnectionStats } from './server-connection.ts';
import type { AnyService, Handlers } from './service.ts';

export const RPC_SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  /** Largest body + bulk of one frame; 3FS allows 512 MiB messages too (sized for chunk-metadata dumps). */
  maxFrameSize: 512 * 1024 * 1024,
  /** Calls per connection that may be running or have a reply waiting to be written before we stop reading. */
  maxOutstandingPerConnection: 64,
  handshakeTimeoutMs: 10_000,
  /** How long `close()` lets running calls finish before it aborts them. */
  closeGraceMs: 10_000,
  /** Connections read into one reused buffer of this size, shared by the thread (see read-buffer.ts); 0 reads the usual way. */
  readBufferBytes: READ_BUFFER_BYTES,
} as const;

export interface RpcServerOptions {
  readonly secret: ClusterSecret;
  readonly host?: string;
  /** 0 picks a free port; read it back from `address`. */
  readonly port?: number;
  readonly logger?: RpcLogger;
  readonly metrics?: MetricsRegistry;
  readonly faults?: RpcFaults | null;
  readonly maxFrameSize?: number;
  readonly maxOutstandingPerConnection?: number;
  readonly handshakeTimeoutMs?: number;
  readonly closeGraceMs?: number;
  readonly readBufferBytes?: number;
}

/**
 * A TCP RPC server. Register services right after `create()` resolves: a call needs a completed handshake, which
 * takes network round trips, so none can arrive before the current task ends.
 *
 *   const server = await RpcServer.create({ secret, port: 0 });
 *   server.register(StorageService, handlers);
 *   t.after(() => server.close());
 */
export class RpcServer {
  readonly metrics: MetricsRegistry;
  private readonly services = new Map<number, { service: AnyService; methods: Map<number, RegisteredMethod> }>();
  private readonly connections = new Set<ServerConnection>();
  private readonly logger: RpcLogger;
  private closing: Promise<void> | null = null;
  /** Request bulks of methods registered with `lendRequestBulk`. */
  private readonly bulkPool = new BufferPool();

  private constructor(
    private readonly server: Server,
    readonly address: RpcAddress,
    private readonly options: RpcServerOptions,
  ) {
    this.logger = options.logger ?? consoleRpcLogger;
    this.metrics = options.metrics ?? new MetricsRegistry();
  }

  static async create(options: RpcServerOptions): Promise<RpcServer> {
    const server = createServer({ noDelay: true, keepAlive: true, pauseOnConnect: true });
    const host = options.host ?? RPC_SERVER_DEFAULTS.host;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: options.port ?? RPC_SERVER_DEFAULTS.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const rpc = new RpcServer(server, { host, port }, options);
    server.on('connection', (socket) => rpc.accept(socket));
    server.on('error', (err) => rpc.logger.warn(`listener error: ${err.message}`, { address: `${host}:${port}` }));
    return rpc;
  }

  /**
   * `lendRequestBulk`: methods whose handlers are done with the request's bulk once they settle (they may forward it
   * in a call of their own; the transport holds it until that frame is written). Their bulk is received into a
   * pooled buffer, reused for a later request, instead of a new one per call.
   */
  register<S extends AnyService>(service: S, handlers: Handlers<S>, options: { readonly lendRequestBulk?: readonly (keyof S['methods'] & string)[] } = {}): void {
    if (this.services.has(service.id)) throw GeneralError.INVALID_ARGUMENT(`service id ${service.id} (${service.name}) is already registered`);
    const methods = new Map<number, RegisteredMethod>();
    for (const [name, def] of Object.entries(service.methods)) {
      const handler = (handlers as Record<string, RegisteredMethod['handler'] | undefined>)[name];
      if (typeof handler !== 'function') throw GeneralError.INVALID_ARGUMENT(`no handler for ${service.name}.${name}`);
      const lendsRequestBulk = def.requestBulk !== null && (options.lendRequestBulk ?? []).includes(name);
      methods.set(def.id, { service: service.name, method: name, def, handler: handler.bind(handlers), lendsRequestBulk });
    }
    this.services.set(service.id, { service, methods });
  }

  /** One entry per open connection, for tests and status pages. */
  connectionStats(): ServerConnectionStats[] {
    return [...this.connections].map((c) => c.stats());
  }

  /**
   * Stops accepting, lets running calls finish and their replies go out (up to `closeGraceMs`, then aborts them),
   * closes every socket. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const open = [...this.connections];
    const grace = setTimeout(() => {
      for (const c of open) c.abort(RpcError.CONNECTION_CLOSED(c.peer, 'server shut down before the call finished'));
    }, this.options.closeGraceMs ?? RPC_SERVER_DEFAULTS.closeGraceMs);
    try {
      await Promise.all(open.map((c) => c.drain()));
    } finally {
      clearTimeout(grace);
    }
    await listenerClosed;
  }

  private accept(raw: Socket): void {
    if (this.closing !== null) {
      raw.destroy();
      return;
    }
    const readBufferBytes = this.options.readBufferBytes ?? RPC_SERVER_DEFAULTS.readBufferBytes;
    let connection: ServerConnection | null = null;
    // Reads start after this turn, by which time `connection` is set.
    const adopted = readBufferBytes > 0 ? adoptWithReadBuffer(raw, readBufferBytes, () => (bytes) => connection!.receiveTransient(bytes)) : null;
    const socket = adopted ?? raw;
    connection = new ServerConnection(socket, adopted !== null, {
      secret: this.options.secret,
      lookup: (serviceId, methodId) => this.services.get(serviceId)?.methods.get(methodId) ?? null,
      logger: this.logger,
      metrics: this.metrics,
      faults: this.options.faults ?? null,
      bulkPool: this.bulkPool,
      maxFrameSize: this.options.maxFrameSize ?? RPC_SERVER_DEFAULTS.maxFrameSize,
      maxOutstanding: this.options.maxOutstandingPerConnection ?? RPC_SERVER_DEFAULTS.maxOutstandingPerConnection,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs ?? RPC_SERVER_DEFAULTS.handshakeTimeoutMs,
      onClosed: (c) => this.connections.delete(c),
    });
    this.connections.add(connection);
    if (adopted === null) raw.resume();
  }
}
