/**
 * The mgmtd client every process uses: finds the primary among the configured mgmtd addresses, follows
 * MGMTD_NOT_PRIMARY redirects, retries connection errors and lease handovers with backoff until a deadline, and
 * keeps a routing cache that it polls with `ifNewerThan` (3FS polls every 10 s; `refreshRouting` forces one).
 *
 *   const mgmtd = MgmtdClient.create({ rpc, addresses: ['127.0.0.1:9000', '127.0.0.1:9001'] });
 *   t.after(() => mgmtd.close());
 *   await mgmtd.registerNode({ nodeId: 1, type: 'STORAGE', address: '127.0.0.1:9100' });
 *   const routing = await mgmtd.refreshRouting();
 *
 * Retried calls may run twice on the server when a reply is lost: registerNode and heartbeat are idempotent,
 * createChainTable then answers INVALID_ARGUMENT ("it exists").
 */
import { GeneralError, hasCode } from '../errors.ts';
import type { FirepondError } from '../errors.ts';
import { formatAddress } from '../rpc/index.ts';
import type { RequestOf, ResponseOf, RpcAddress, RpcClient } from '../rpc/index.ts';
import { MgmtdService } from './protocol.ts';
import type { MgmtdServiceDef } from './protocol.ts';
import type { RoutingInfo } from './routing/types.ts';

type Methods = MgmtdServiceDef['methods'];
type MethodName = keyof Methods & string;

export interface MgmtdClientOptions {
  /** The transport, owned by the caller (shared with other stubs). */
  readonly rpc: RpcClient;
  /** Every mgmtd, "host:port" or parsed; the primary is found among them. */
  readonly addresses: readonly (string | RpcAddress)[];
  readonly pollIntervalMs?: number;
  /** How long one call keeps retrying across mgmtds before it gives up with the last error. */
  readonly retryDeadlineMs?: number;
  readonly callTimeoutMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly log?: (message: string) => void;
}

export const MGMTD_CLIENT_DEFAULTS = {
  pollIntervalMs: 10_000,
  retryDeadlineMs: 30_000,
  callTimeoutMs: 5_000,
  initialBackoffMs: 50,
  maxBackoffMs: 1_000,
  log: (message: string) => console.warn(`[mgmtd client] ${message}`),
} as const;

/** Errors after which another mgmtd (or the same one, later) may answer. */
const FAILOVER_CODES = ['MGMTD_NOT_PRIMARY', 'MGMTD_LEASE_LOST', 'SERVER_UNAVAILABLE', 'RPC_CONNECTION_CLOSED', 'RPC_TIMEOUT'] as const;

export function parseAddress(text: string): RpcAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  const port = Number(m?.[3]);
  if (m === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw GeneralError.INVALID_ARGUMENT(`not a host:port address: ${text}`, { context: { address: text } });
  }
  return { host: m[1] ?? m[2]!, port };
}

export class MgmtdClient {
  private readonly addresses: RpcAddress[];
  private readonly opts: Required<Omit<MgmtdClientOptions, 'rpc' | 'addresses'>>;
  /** Index into `addresses` of the mgmtd we believe is primary; a redirect to an unlisted address is appended. */
  private current = 0;
  private cached: RoutingInfo | null = null;
  private poller: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(routing: RoutingInfo) => void>();
  private closed = false;

  private constructor(private readonly rpc: RpcClient, options: MgmtdClientOptions) {
    if (options.addresses.length === 0) throw GeneralError.INVALID_ARGUMENT('the mgmtd client needs at least one address');
    this.addresses = options.addresses.map((a) => (typeof a === 'string' ? parseAddress(a) : a));
    this.opts = {
      pollIntervalMs: options.pollIntervalMs ?? MGMTD_CLIENT_DEFAULTS.pollIntervalMs,
      retryDeadlineMs: options.retryDeadlineMs ?? MGMTD_CLIENT_DEFAULTS.retryDeadlineMs,
      callTimeoutMs: options.callTimeoutMs ?? MGMTD_CLIENT_DEFAULTS.callTimeoutMs,
      initialBackoffMs: options.initialBackoffMs ?? MGMTD_CLIENT_DEFAULTS.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs ?? MGMTD_CLIENT_DEFAULTS.maxBackoffMs,
      log: options.log ?? MGMTD_CLIENT_DEFAULTS.log,
    };
  }

  static create(options: MgmtdClientOptions): MgmtdClient {
    return new MgmtdClient(options.rpc, options);
  }

  /** The mgmtd this client sends to next ("host:port"). */
  get primaryAddress(): string {
    return formatAddress(this.addresses[this.current]!);
  }

  /** The cached routing snapshot, or null before the first refresh. */
  get routing(): RoutingInfo | null {
    return this.cached;
  }

  /** Calls `method` on the primary, redirecting and retrying as described above. */
  async call<K extends MethodName>(name: K, request: RequestOf<Methods[K]>): Promise<ResponseOf<Methods[K]>> {
    const deadline = Date.now() + this.opts.retryDeadlineMs;
    let backoff = this.opts.initialBackoffMs;
    let redirects = 0;
    for (;;) {
      const address = this.addresses[this.current]!;
      try {
        return await this.rpc.call(address, MgmtdService, name, request, { timeoutMs: this.opts.callTimeoutMs });
      } catch (err) {
        if (!hasCode(err, ...FAILOVER_CODES) || this.closed || Date.now() >= deadline) throw err;
        // Told where the primary is: go there at once, unless stale answers keep bouncing us around.
        if (redirects < this.addresses.length && this.redirect(err, address)) {
          redirects += 1;
          continue;
        }
        redirects = 0;
        this.current = (this.current + 1) % this.addresses.length;
        await sleep(Math.min(backoff, Math.max(0, deadline - Date.now())));
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
      }
    }
  }

  registerNode(req: RequestOf<Methods['registerNode']>): Promise<ResponseOf<Methods['registerNode']>> {
    return this.call('registerNode', req);
  }

  /** Sends a heartbeat; a newer snapshot in the reply lands in the routing cache. */
  async heartbeat(req: RequestOf<Methods['heartbeat']>): Promise<ResponseOf<Methods['heartbeat']>> {
    const rsp = await this.call('heartbeat', req);
    if (rsp.routing !== null) this.accept(rsp.routing);
    return rsp;
  }

  createChainTable(req: RequestOf<Methods['createChainTable']>): Promise<ResponseOf<Methods['createChainTable']>> {
    return this.call('createChainTable', req);
  }

  /** Fetches routing if newer than the cached one and returns the (possibly unchanged) cache. */
  async refreshRouting(): Promise<RoutingInfo> {
    const rsp = await this.call('getRoutingInfo', { ifNewerThan: this.cached?.version ?? null });
    if (rsp.routing !== null) this.accept(rsp.routing);
    if (this.cached === null) throw GeneralError.INTERNAL('mgmtd answered no routing to a client that holds none');
    return this.cached;
  }

  /** Calls `listener` with every newer snapshot the cache takes in; returns an unsubscribe function. */
  onRouting(listener: (routing: RoutingInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Polls routing every `pollIntervalMs` until `close()`; failures are logged and the next poll retries. */
  startPolling(): void {
    if (this.poller !== null || this.closed) return;
    const poll = (): void => {
      this.refreshRouting()
        .catch((err: unknown) => this.opts.log(`routing poll failed: ${(err as Error).message}`))
        .finally(() => {
          if (!this.closed) this.poller = setTimeout(poll, this.opts.pollIntervalMs).unref();
        });
    };
    this.poller = setTimeout(poll, 0).unref();
  }

  /** Stops polling. The RpcClient belongs to the caller and stays open. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.poller !== null) clearTimeout(this.poller);
    this.poller = null;
  }

  private accept(routing: RoutingInfo): void {
    if (this.cached !== null && routing.version <= this.cached.version) return;
    this.cached = routing;
    for (const listener of this.listeners) listener(routing);
  }

  /** Follows a NOT_PRIMARY answer that names another primary; false when it names none (or the one we asked). */
  private redirect(err: FirepondError, asked: RpcAddress): boolean {
    if (err.code !== 'MGMTD_NOT_PRIMARY') return false;
    const primary = err.context['primary'];
    if (typeof primary !== 'string' || primary === formatAddress(asked)) return false;
    let index = this.addresses.findIndex((a) => formatAddress(a) === primary);
    if (index < 0) {
      try {
        this.addresses.push(parseAddress(primary));
      } catch {
        return false;
      }
      index = this.addresses.length - 1;
    }
    this.current = index;
    return true;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
