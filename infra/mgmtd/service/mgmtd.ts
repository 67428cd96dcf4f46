/**
 * One mgmtd process's service: the primary lease, the routing state in the KV engine, the RPC handlers and the
 * background loops. Every mutation is one KV transaction that first checks we still hold the lease (fencing),
 * loads the snapshot, applies one operation (ops/) and writes back what changed. The primary keeps the last
 * committed snapshot in memory and answers routing reads from it; a standby answers MGMTD_NOT_PRIMARY.
 *
 *   const mgmtd = await Mgmtd.create({ kv, address: '127.0.0.1:9000' });
 *   server.register(MgmtdService, mgmtd.handlers());
 *   mgmtd.start();
 *   ...
 *   await mgmtd.close();
 */
import { randomBytes } from 'node:crypto';
import { hasCode, MgmtdError } from '../../errors.ts';
import type { KvEngine } from '../../kv/index.ts';
import type { CallContext, Handlers } from '../../rpc/index.ts';
import { MAX_ROUTING_WAIT_MS } from '../protocol.ts';
import type { GetRoutingInfoReq, GetRoutingInfoRsp, MgmtdServiceDef } from '../protocol.ts';
import type { NodeId, RoutingInfo } from '../routing/types.ts';
import { markSilentNodesFailed } from './background/heartbeat-checker.ts';
import { assertLeaseHeld } from './lease.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import type { LeaseStatus } from './lease-keeper.ts';
import { createChainTable } from './ops/create-chain-table.ts';
import { applyHeartbeat } from './ops/heartbeat.ts';
import { registerNode } from './ops/register-node.ts';
import { runPeriodically } from './periodic.ts';
import type { Periodic } from './periodic.ts';
import { loadRouting, writeRoutingChanges } from './routing-store.ts';
import { RoutingWaiters } from './routing-waiters.ts';

export interface MgmtdOptions {
  readonly kv: KvEngine;
  /** Our RPC address ("host:port"); written into the lease so standbys can redirect clients here. */
  readonly address: string;
  /** The other mgmtd processes ("host:port"), reported by getPrimary. */
  readonly peers?: readonly string[];
  /** Unique per process; defaults to a random id. */
  readonly holder?: string;
  readonly leaseMs?: number;
  readonly failureIntervalMs?: number;
  readonly heartbeatCheckIntervalMs?: number;
  readonly clock?: () => number;
  readonly log?: (message: string) => void;
}

/** 3FS uses a 60 s lease renewed every 10 s and a 60 s failure interval; an embedded stack wants faster failover. */
export const MGMTD_DEFAULTS = {
  leaseMs: 10_000,
  failureIntervalMs: 30_000,
  heartbeatCheckIntervalMs: 1_000,
  clock: Date.now,
  log: (message: string) => console.log(`[mgmtd] ${message}`),
} as const;

/** A held getRoutingInfo answers this long before the caller's deadline, so the reply arrives in time. */
const ROUTING_REPLY_MARGIN_MS = 500;

export class Mgmtd {
  readonly address: string;
  readonly holder: string;
  readonly peers: readonly string[];
  private readonly opts: Required<Omit<MgmtdOptions, 'holder' | 'address' | 'kv' | 'peers'>>;
  private readonly lease: LeaseKeeper;
  private routing: RoutingInfo | null = null;
  private primarySinceMs = 0;
  /** Registration times seen by this primary, for nodes that have not heartbeated yet. */
  private readonly registeredAtMs = new Map<NodeId, number>();
  private loops: Periodic[] = [];
  /** Mutations run one at a time: they all read the whole snapshot, so concurrent ones would only conflict. */
  private mutations: Promise<unknown> = Promise.resolve();
  /** getRoutingInfo long-polls waiting for the version to move. */
  private readonly routingWaiters = new RoutingWaiters();
  private closed = false;

  private constructor(private readonly kv: KvEngine, options: MgmtdOptions) {
    this.address = options.address;
    this.peers = options.peers ?? [];
    this.holder = options.holder ?? `${options.address}/${process.pid}/${randomBytes(4).toString('hex')}`;
    this.opts = {
      leaseMs: options.leaseMs ?? MGMTD_DEFAULTS.leaseMs,
      failureIntervalMs: options.failureIntervalMs ?? MGMTD_DEFAULTS.failureIntervalMs,
      heartbeatCheckIntervalMs: options.heartbeatCheckIntervalMs ?? MGMTD_DEFAULTS.heartbeatCheckIntervalMs,
      clock: options.clock ?? MGMTD_DEFAULTS.clock,
      log: options.log ?? MGMTD_DEFAULTS.log,
    };
    this.lease = new LeaseKeeper({
      kv,
      claim: { holder: this.holder, address: this.address, leaseMs: this.opts.leaseMs },
      clock: this.opts.clock,
      onAcquired: () => this.takeOver(),
      onLost: () => {
        this.routing = null;
        this.registeredAtMs.clear();
        this.routingWaiters.wakeAll(); // they answer MGMTD_NOT_PRIMARY / LEASE_LOST now, not when their wait ends
      },
      log: this.opts.log,
    });
  }

  static async create(options: MgmtdOptions): Promise<Mgmtd> {
    return new Mgmtd(options.kv, options);
  }

  /** Starts the lease loop (every lease/3) and the heartbeat checker. Tests drive `renewLease`/`checkHeartbeats`. */
  start(): void {
    const warn = (what: string) => (err: unknown) => this.opts.log(`${what} failed: ${(err as Error).message}`);
    this.loops = [
      runPeriodically(Math.max(1, Math.floor(this.opts.leaseMs / 3)), () => this.renewLease(), warn('lease renewal')),
      runPeriodically(this.opts.heartbeatCheckIntervalMs, () => this.checkHeartbeats(), warn('heartbeat check')),
    ];
  }

  /** Stops the loops and releases the lease if we hold it. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.routingWaiters.wakeAll();
    await Promise.all(this.loops.map((l) => l.stop()));
    await this.lease.release().catch((err: unknown) => this.opts.log(`lease release failed: ${(err as Error).message}`));
  }

  leaseStatus(): LeaseStatus {
    return this.lease.status();
  }

  /** One lease renewal attempt. */
  renewLease(): Promise<void> {
    return this.lease.tick();
  }

  /** One heartbeat-checker pass; a no-op on a standby. */
  async checkHeartbeats(): Promise<void> {
    if (this.lease.status() !== 'PRIMARY') return;
    await this.mutate((routing, nowMs) => ({
      routing: markSilentNodesFailed(routing, {
        nowMs,
        failureIntervalMs: this.opts.failureIntervalMs,
        lastSignOfLifeMs: (n) => Math.max(n.lastHeartbeatMs ?? this.registeredAtMs.get(n.nodeId) ?? 0, this.primarySinceMs),
      }),
      result: undefined,
    }));
  }

  handlers(): Handlers<MgmtdServiceDef> {
    return {
      getPrimary: () => {
        const isPrimary = this.lease.status() === 'PRIMARY';
        return { isPrimary, primary: isPrimary ? this.address : this.lease.primaryAddress(), self: this.address, peers: this.peers };
      },
      registerNode: (req) =>
        this.mutate((routing, nowMs) => {
          const out = registerNode(routing, req);
          if (out.node.lastHeartbeatMs === null && !this.registeredAtMs.has(req.nodeId)) this.registeredAtMs.set(req.nodeId, nowMs);
          return { routing: out.routing, result: { node: out.node, routingVersion: out.routing.version } };
        }),
      heartbeat: async (req) => {
        const routing = await this.mutate((r, nowMs) => {
          const next = applyHeartbeat(r, req, nowMs);
          return { routing: next, result: next };
        });
        return {
          routingVersion: routing.version,
          routing: routing.version > req.routingVersion ? routing : null,
          failureIntervalMs: this.opts.failureIntervalMs,
        };
      },
      getRoutingInfo: (req, ctx) => this.getRoutingInfo(req, ctx),
      createChainTable: (req) =>
        this.mutate((routing) => {
          const out = createChainTable(routing, req);
          return { routing: out.routing, result: { chainTable: out.chainTable, routingVersion: out.routing.version } };
        }),
      listNodes: () => {
        const r = this.servingRouting();
        return { routingVersion: r.version, nodes: r.nodes };
      },
      listTargets: () => {
        const r = this.servingRouting();
        return { routingVersion: r.version, targets: r.targets };
      },
      listChains: () => {
        const r = this.servingRouting();
        return { routingVersion: r.version, chains: r.chains };
      },
      listChainTables: () => {
        const r = this.servingRouting();
        return { routingVersion: r.version, chainTables: r.chainTables };
      },
    };
  }

  /**
   * Answers at once when the snapshot is newer than `ifNewerThan`; otherwise holds the call (long-poll) until:
   * 1. a commit moves the version past it: answer the snapshot;
   * 2. the wait ends (`waitMs`, clamped to MAX_ROUTING_WAIT_MS and to the caller's deadline less a margin for the
   *    reply to travel) or the call is abandoned: answer `routing: null`;
   * 3. we lose the lease: MGMTD_NOT_PRIMARY / MGMTD_LEASE_LOST from `servingRouting`;
   * 4. we shut down: MGMTD_LEASE_LOST, so the client moves on to the next mgmtd instead of asking us again.
   * The wait runs on the wall clock, not `opts.clock` (which tests freeze).
   */
  private async getRoutingInfo(req: GetRoutingInfoReq, ctx: CallContext): Promise<GetRoutingInfoRsp> {
    const untilMs = Date.now() + this.routingWaitMs(req, ctx);
    for (;;) {
      if (this.closed) throw MgmtdError.LEASE_LOST(this.address, 'shutting down');
      const routing = this.servingRouting();
      if (req.ifNewerThan === null || routing.version > req.ifNewerThan) return { routingVersion: routing.version, routing };
      const leftMs = untilMs - Date.now();
      if (leftMs <= 0 || ctx.signal.aborted) return { routingVersion: routing.version, routing: null };
      await this.routingWaiters.wait(leftMs, ctx.signal);
    }
  }

  private routingWaitMs(req: GetRoutingInfoReq, ctx: CallContext): number {
    const asked = req.waitMs ?? 0;
    if (!Number.isFinite(asked) || asked <= 0) return 0;
    const beforeDeadline = ctx.deadline === null ? Infinity : ctx.deadline - Date.now() - ROUTING_REPLY_MARGIN_MS;
    return Math.max(0, Math.min(asked, MAX_ROUTING_WAIT_MS, beforeDeadline));
  }

  /** MGMTD_NOT_PRIMARY (with the primary's address) on a standby, MGMTD_LEASE_LOST when our lease lapsed. */
  private requirePrimary(): void {
    const status = this.lease.status();
    if (status === 'EXPIRED') throw MgmtdError.LEASE_LOST(this.address, 'the lease was not renewed in time');
    if (status === 'STANDBY') throw MgmtdError.NOT_PRIMARY(this.address, this.lease.primaryAddress());
  }

  private servingRouting(): RoutingInfo {
    this.requirePrimary();
    if (this.routing === null) throw MgmtdError.LEASE_LOST(this.address, 'routing state not loaded');
    return this.routing;
  }

  /** One fenced KV transaction: lease check, load, apply `fn`, write the changes; then the cache moves forward. */
  private mutate<T>(fn: (routing: RoutingInfo, nowMs: number) => { routing: RoutingInfo; result: T }): Promise<T> {
    const run = this.mutations.then(() => this.mutateNow(fn));
    this.mutations = run.catch(() => undefined);
    return run;
  }

  private async mutateNow<T>(fn: (routing: RoutingInfo, nowMs: number) => { routing: RoutingInfo; result: T }): Promise<T> {
    this.requirePrimary();
    let out;
    try {
      out = await this.kv.transact(async (tx) => {
        const nowMs = this.opts.clock();
        await assertLeaseHeld(tx, this.holder, this.address, nowMs);
        const before = await loadRouting(tx);
        const next = fn(before, nowMs);
        writeRoutingChanges(tx, before, next.routing);
        return next;
      });
    } catch (err) {
      if (hasCode(err, 'MGMTD_LEASE_LOST')) this.lease.lose(err.message);
      throw err;
    }
    const before = this.routing?.version ?? null;
    if (before !== null && out.routing.version >= before) {
      this.routing = out.routing;
      if (out.routing.version > before) this.routingWaiters.wakeAll();
    }
    return out.result;
  }

  /** A new primary reloads everything from the KV engine and bumps the routing version (3FS: onNewLease). */
  private async takeOver(): Promise<void> {
    const routing = await this.kv.transact(async (tx) => {
      const nowMs = this.opts.clock();
      await assertLeaseHeld(tx, this.holder, this.address, nowMs);
      const before = await loadRouting(tx);
      const after = { ...before, version: before.version + 1 };
      writeRoutingChanges(tx, before, after);
      return after;
    });
    this.routing = routing;
    this.primarySinceMs = this.opts.clock();
    this.registeredAtMs.clear();
    this.routingWaiters.wakeAll();
  }
}
