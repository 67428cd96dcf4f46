/**
 * The mgmtd client every process uses: finds the primary among the configured mgmtd addresses, follows
 * MGMTD_NOT_PRIMARY redirects, retries connection errors and lease handovers with backoff until a deadline, and
 * keeps a routing cache. `startPolling` keeps it fresh with long-polls (`getRoutingInfo` with `ifNewerThan` and
 * `waitMs`): the primary answers the moment the version moves, so a change reaches every client within a round
 * trip, where 3FS's 10 s poll would take up to the interval. `refreshRouting` asks once, at once.
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
import { MAX_ROUTING_WAIT_MS, MgmtdService } from './protocol.ts';
import type { MgmtdServiceDef } from './protocol.ts';
import type { RoutingInfo } from './routing/types.ts';

type Methods = MgmtdServiceDef['methods'];
type MethodName = keyof Methods & string;

export interface MgmtdClientOptions {
  /** The transport, owned by the caller (shared with other stubs). */
  readonly rpc: RpcClient;
  /** Every mgmtd, "host:port" or parsed; the primary is found among them. */
  readonly addresses: readonly (string | RpcAddress)[];
  /** How long the primary holds one routing long-poll (clamped to [100 ms, MAX_ROUTING_WAIT_MS]). */
  readonly longPollMs?: number;
  /** How long one call keeps retrying across mgmtds before it gives up with the last error. */
  readonly retryDeadlineMs?: number;
  readonly callTimeoutMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly log?: (message: string) => void;
}

export const MGMTD_CLIENT_DEFAULTS = {
  longPollMs: 20_000,
  retryDeadlineMs: 30_000,
  callTimeoutMs: 5_000,
  initialBackoffMs: 50,
  maxBackoffMs: 1_000,
  log: (message: string) => console.warn(`[mgmtd client] ${message}`),
} as const;

/** Shorter long-polls would only be a busy poll loop. */
const MIN_LONG_POLL_MS = 100;

/** Errors after which another mgmtd (or the same one, later) may answer. */
const FAILOVER_CODES = ['MGMTD_NOT_PRIMARY', 'MGMTD_LEASE_LOST', 'SERVER_UNAVAILABLE', 'RPC_CONNECTION_CLOSED', 'RPC_TIMEOUT'] as const;

/** What the last successful heartbeat proved; see `MgmtdClient.lastHeartbeat`. */
export interface HeartbeatAck {
  readonly atMs: number;
  readonly failureIntervalMs: number;
}

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
  /** The polling loop while it runs. */
  private poller: Promise<void> | null = null;
  private readonly listeners = new Set<(routing: RoutingInfo) => void>();
  private lastHeartbeatOk: HeartbeatAck | null = null;
  private closed = false;
  /** Aborted by `close()`: ends the polling loop's waits and abandons its call in flight. */
  private readonly closing = new AbortController();

  private constructor(private readonly rpc: RpcClient, options: MgmtdClientOptions) {
    if (options.addresses.length === 0) throw GeneralError.INVALID_ARGUMENT('the mgmtd client needs at least one address');
    this.addresses = options.addresses.map((a) => (typeof a === 'string' ? parseAddress(a) : a));
    this.opts = {
      longPollMs: Math.max(MIN_LONG_POLL_MS, Math.min(options.longPollMs ?? MGMTD_CLIENT_DEFAULTS.longPollMs, MAX_ROUTING_WAIT_MS)),
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

  /**
   * The last heartbeat mgmtd answered: when it was *sent* (Date.now() ms; the reply proves mgmtd was alive no
   * earlier than that, so fencing timed from it errs on the safe side) and the failure interval it carried; null
   * before the first. A storage node stops serving writes once `Date.now() - atMs > failureIntervalMs / 2`.
   */
  get lastHeartbeat(): HeartbeatAck | null {
    return this.lastHeartbeatOk;
  }

  /** Calls `method` on the primary, redirecting and retrying as described above. */
  call<K extends MethodName>(name: K, request: RequestOf<Methods[K]>): Promise<ResponseOf<Methods[K]>> {
    return this.callWithTimeout(name, request, this.opts.callTimeoutMs);
  }

  private async callWithTimeout<K extends MethodName>(name: K, request: RequestOf<Methods[K]>, timeoutMs: number): Promise<ResponseOf<Methods[K]>> {
    const deadline = Date.now() + this.opts.retryDeadlineMs;
    let backoff = this.opts.initialBackoffMs;
    let redirects = 0;
    for (;;) {
      const address = this.addresses[this.current]!;
      try {
        return await this.rpc.call(address, MgmtdService, name, request, { timeoutMs });
      } catch (err) {
        if (!hasCode(err, ...FAILOVER_CODES) || this.closed || Date.now() >= deadline) throw err;
        // Told where the primary is: go there at once, unless stale answers keep bouncing us around.
        if (redirects < this.addresses.length && this.redirect(err, address)) {
          redirects += 1;
          continue;
        }
        redirects = 0;
        this.current = (this.current + 1) % this.addresses.length;
        await sleep(Math.min(backoff, Math.max(0, deadline - Date.now())), this.closing.signal);
        if (this.closed) throw err;
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
      }
    }
  }

  registerNode(req: RequestOf<Methods['registerNode']>): Promise<ResponseOf<Methods['registerNode']>> {
    return this.call('registerNode', req);
  }

  /** Sends a heartbeat; a newer snapshot in the reply lands in the routing cache. */
  async heartbeat(req: RequestOf<Methods['heartbeat']>): Promise<ResponseOf<Methods['heartbeat']>> {
    const sentAtMs = Date.now();
    const rsp = await this.call('heartbeat', req);
    if (this.lastHeartbeatOk === null || sentAtMs >= this.lastHeartbeatOk.atMs) {
      this.lastHeartbeatOk = { atMs: sentAtMs, failureIntervalMs: rsp.failureIntervalMs };
    }
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

  /**
   * Keeps the routing cache fresh until `close()`: one long-poll after another, each held by the primary until the
   * version moves past the cached one or `longPollMs` passes. A call that fails (after `call`'s own failover and
   * retries) is logged and the loop backs off (initialBackoffMs doubling to maxBackoffMs) before asking again.
   */
  startPolling(): void {
    if (this.poller !== null || this.closed) return;
    this.poller = this.pollLoop();
  }

  /** Stops polling at once (a long-poll in flight is abandoned, its late answer ignored). The RpcClient belongs to
   *  the caller and stays open. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await this.poller;
  }

  private async pollLoop(): Promise<void> {
    let backoff = this.opts.initialBackoffMs;
    const pause = async (): Promise<void> => {
      await sleep(backoff, this.closing.signal);
      backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
    };
    while (!this.closed) {
      const startedMs = performance.now();
      try {
        const rsp = await this.unlessClosed(this.callWithTimeout(
          'getRoutingInfo',
          { ifNewerThan: this.cached?.version ?? null, waitMs: this.opts.longPollMs },
          // The primary answers `longPollMs` in at the latest; the call's deadline leaves it a normal call's time.
          this.opts.longPollMs + this.opts.callTimeoutMs,
        ));
        if (rsp === null) return;
        if (rsp.routing !== null) {
          this.accept(rsp.routing);
          backoff = this.opts.initialBackoffMs;
        } else if (performance.now() - startedMs < this.opts.longPollMs / 2) {
          await pause(); // "nothing newer" long before the wait was up: this server does not hold calls; don't spin
        } else {
          backoff = this.opts.initialBackoffMs;
        }
      } catch (err) {
        if (this.closed) return;
        this.opts.log(`routing long-poll failed, retrying in ${backoff} ms: ${(err as Error).message}`);
        await pause();
      }
    }
  }

  /** `call`'s result, or null as soon as the client closes (the call's own outcome is then ignored). */
  private unlessClosed<T>(call: Promise<T>): Promise<T | null> {
    const { signal } = this.closing;
    if (signal.aborted) {
      call.catch(() => undefined);
      return Promise.resolve(null);
    }
    return new Promise<T | null>((resolve, reject) => {
      const onClose = (): void => resolve(null);
      signal.addEventListener('abort', onClose, { once: true });
      void call.then(
        (value) => {
          signal.removeEventListener('abort', onClose);
          resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onClose);
          reject(err as Error);
        },
      );
    });
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

/** Resolves after `ms`, or early when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | null = null): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
