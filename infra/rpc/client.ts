import { FirepondError, GeneralError, RpcError } from '../errors.ts';
import { formatAddress } from './address.ts';
import type { RpcAddress } from './address.ts';
import type { ClusterSecret } from './auth.ts';
import { OutgoingCall } from './client-call.ts';
import { AddressPool } from './client-pool.ts';
import type { AddressPoolStats } from './client-pool.ts';
import { splitBulk } from './codec.ts';
import type { RpcFaults } from './faults.ts';
import { consoleRpcLogger } from './logger.ts';
import type { RpcLogger } from './logger.ts';
import { MetricsRegistry } from './metrics.ts';
import { READ_BUFFER_BYTES } from './read-buffer.ts';
import type { AnyService, CallOptions, RequestOf, ResponseOf } from './service.ts';

export const RPC_CLIENT_DEFAULTS = {
  timeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  connectionsPerAddress: 1,
  maxInFlightPerConnection: 128,
  maxWaitingCalls: 1024,
  maxFrameSize: 512 * 1024 * 1024,
  /** Connections read into one reused buffer of this size, shared by the thread (see read-buffer.ts); 0 reads the usual way. */
  readBufferBytes: READ_BUFFER_BYTES,
} as const;

export interface RpcClientOptions {
  /** The cluster secret; null connects without one (every server refuses that, by name). */
  readonly secret: ClusterSecret | null;
  readonly logger?: RpcLogger;
  readonly metrics?: MetricsRegistry;
  readonly faults?: RpcFaults | null;
  /** Default deadline of a call; null waits without limit. */
  readonly timeoutMs?: number | null;
  readonly connectTimeoutMs?: number;
  readonly connectionsPerAddress?: number;
  readonly maxInFlightPerConnection?: number;
  readonly maxWaitingCalls?: number;
  readonly maxFrameSize?: number;
  readonly readBufferBytes?: number;
}

/**
 * The client transport: a pool of authenticated connections per address, calls multiplexed over them with
 * deadlines and bounded queues. Single-shot: it does not retry; service stubs decide that from error codes.
 * Usually wrapped by a typed stub (`createStub`).
 */
export class RpcClient {
  readonly metrics: MetricsRegistry;
  private readonly pools = new Map<string, AddressPool>();
  private readonly live = new Set<OutgoingCall>();
  private closed = false;

  private constructor(private readonly options: RpcClientOptions) {
    this.metrics = options.metrics ?? new MetricsRegistry();
  }

  static create(options: RpcClientOptions): RpcClient {
    return new RpcClient(options);
  }

  async call<S extends AnyService, K extends keyof S['methods'] & string>(
    address: RpcAddress,
    service: S,
    methodName: K,
    request: RequestOf<S['methods'][K]>,
    options: CallOptions = {},
  ): Promise<ResponseOf<S['methods'][K]>> {
    const peer = formatAddress(address);
    const label = `${service.name}.${methodName}`;
    if (this.closed) throw RpcError.CONNECTION_CLOSED(peer, 'client closed');
    const def = service.methods[methodName];
    if (def === undefined) throw GeneralError.INVALID_ARGUMENT(`${label} is not a method of ${service.name}`);
    const started = performance.now();
    let status = 'OK';
    try {
      const fault = this.options.faults?.decide({ side: 'client', service: service.name, method: methodName, peer }) ?? null;
      if (fault?.kind === 'fail') throw fault.error;
      const { body, bulk } = splitBulk(request, def.requestBulk);
      const maxFrameSize = this.options.maxFrameSize ?? RPC_CLIENT_DEFAULTS.maxFrameSize;
      const size = body.length + (bulk?.length ?? 0);
      if (size > maxFrameSize) throw GeneralError.INVALID_ARGUMENT(`${label} request of ${size} bytes exceeds the maximum frame size ${maxFrameSize}`);
      const timeoutMs = options.timeoutMs === undefined ? (this.options.timeoutMs ?? RPC_CLIENT_DEFAULTS.timeoutMs) : options.timeoutMs;
      const response = await new Promise<unknown>((resolve, reject) => {
        const call = new OutgoingCall(
          { label, peer, serviceId: service.id, methodId: def.id, body, bulk, responseBulk: def.responseBulk, bulkInto: options.bulkInto ?? null, timeoutMs },
          (value) => {
            this.live.delete(call);
            resolve(value);
          },
          (error) => {
            this.live.delete(call);
            reject(error);
          },
        );
        this.live.add(call);
        if (fault?.kind === 'drop') return; // never sent; the deadline (or close) settles it
        if (fault?.kind === 'dropReply') call.ignoreReply = true;
        if (fault?.kind === 'delay') setTimeout(() => call.isSettled || this.pool(address, peer).submit(call), fault.ms);
        else this.pool(address, peer).submit(call);
      });
      return response as ResponseOf<S['methods'][K]>;
    } catch (err) {
      status = err instanceof FirepondError ? err.code : 'INTERNAL';
      throw err;
    } finally {
      this.metrics.increment('rpc.client.requests', { method: label, status });
      this.metrics.observe('rpc.client.latency_ms', { method: label }, performance.now() - started);
    }
  }

  /** Connections, calls in flight and calls waiting per address ("host:port"). */
  stats(): Record<string, AddressPoolStats> {
    const out: Record<string, AddressPoolStats> = {};
    for (const [peer, pool] of this.pools) out[peer] = pool.stats();
    return out;
  }

  /** Fails every pending and waiting call with RPC_CONNECTION_CLOSED and closes all connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pool of this.pools.values()) pool.close(RpcError.CONNECTION_CLOSED(pool.peer, 'client closed'));
    for (const call of [...this.live]) call.fail(RpcError.CONNECTION_CLOSED(call.spec.peer, 'client closed'));
    this.pools.clear();
  }

  private pool(address: RpcAddress, peer: string): AddressPool {
    let pool = this.pools.get(peer);
    if (pool === undefined) {
      const o = this.options;
      pool = new AddressPool(
        address,
        {
          connections: o.connectionsPerAddress ?? RPC_CLIENT_DEFAULTS.connectionsPerAddress,
          maxInFlightPerConnection: o.maxInFlightPerConnection ?? RPC_CLIENT_DEFAULTS.maxInFlightPerConnection,
          maxWaitingCalls: o.maxWaitingCalls ?? RPC_CLIENT_DEFAULTS.maxWaitingCalls,
        },
        {
          secret: o.secret,
          maxFrameSize: o.maxFrameSize ?? RPC_CLIENT_DEFAULTS.maxFrameSize,
          connectTimeoutMs: o.connectTimeoutMs ?? RPC_CLIENT_DEFAULTS.connectTimeoutMs,
          readBufferBytes: o.readBufferBytes ?? RPC_CLIENT_DEFAULTS.readBufferBytes,
          metrics: this.metrics,
          logger: o.logger ?? consoleRpcLogger,
        },
      );
      this.pools.set(peer, pool);
    }
    return pool;
  }
}
