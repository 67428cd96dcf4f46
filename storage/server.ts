import type { ClusterSecret, RpcServerOptions } from '../infra/rpc/index.ts';
import { BufferPool, createStub, RpcClient, RpcServer } from '../infra/rpc/index.ts';
import type { RpcAddress, RpcFaults } from '../infra/rpc/index.ts';
import type { ChainView } from './chain-view.ts';
import type { ChunkEngineOptions } from './chunk-engine/index.ts';
import { ChunkLock } from './chunk-lock.ts';
import { InflightUpdates } from './inflight-updates.ts';
import { targetAddress } from './node-address.ts';
import type { StorageDeps } from './ops/deps.ts';
import { handleQueryLastChunk } from './ops/query-last-chunk.ts';
import { handleRead } from './ops/read.ts';
import { handleApplyFull, handleApplyRemove, handleDumpChunkMeta, handleSyncDone } from './ops/resync.ts';
import { handleUpdate } from './ops/update.ts';
import { handleRemove } from './ops/remove.ts';
import { handleTruncate } from './ops/truncate.ts';
import { handleWrite } from './ops/write.ts';
import { StorageService } from './protocol.ts';
import type { UpdateReq, UpdateRsp } from './protocol.ts';
import type { RoutingSource } from './routing-source.ts';
import { TargetRegistry } from './target-registry.ts';
import type { LocalTarget } from './target-registry.ts';
import { nextLocalStatus, publicStateOf } from './local-states.ts';
import { ResyncWorker } from './resync/resync-worker.ts';
import { Redriver } from './redriver.ts';
import type { WriteFence } from './write-fence.ts';
import type { RoutingInfo } from '../infra/mgmtd/index.ts';
import type { ServiceStub } from '../infra/rpc/index.ts';
import type { StorageServiceDef } from './protocol.ts';
import type { TargetSpec } from './target-registry.ts';
import { UpdateDedup } from './update-dedup.ts';

/** Test hooks of the storage server (STYLE rule 11); null in production. */
export interface StorageFaults {
  /** Sees every update before it is forwarded, and may return an altered copy (to corrupt a payload). */
  alterForward(req: UpdateReq): UpdateReq;
}

export const STORAGE_SERVER_DEFAULTS = {
  /** How long a replica waits for its successor's ack; the rest of the chain must fit in the client's deadline. */
  forwardTimeoutMs: 20_000,
} as const;

export interface StorageServerOptions {
  readonly secret: ClusterSecret;
  readonly routing: RoutingSource;
  readonly targets: readonly TargetSpec[];
  readonly engine?: Partial<ChunkEngineOptions>;
  /** Listener options; port 0 by default. */
  readonly rpc?: Partial<Omit<RpcServerOptions, 'secret'>>;
  /** Faults of the client that forwards updates to successors. */
  readonly forwardFaults?: RpcFaults | null;
  readonly faults?: StorageFaults | null;
  readonly forwardTimeoutMs?: number;
  /** Start targets behind the rejoin gate (a storage process does; see `nextLocalStatus`). False by default. */
  readonly rejoin?: boolean;
  /** Refuses writes once mgmtd has not answered for half its failure interval; null (no fencing) by default. */
  readonly fence?: WriteFence | null;
  readonly log?: (message: string) => void;
  /** Called when a handler changes a target's local state (syncDone), so the next heartbeat can go out now. */
  readonly onLocalStateChange?: () => void;
}

/**
 * One storage process: its targets' chunk engines behind the storage service.
 *
 *   const server = await StorageServer.create({ secret, routing, targets: [{ targetId: 1001, dir }] });
 *   t.after(() => server.close());
 */
export class StorageServer {
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly rpc: RpcServer,
    private readonly peers: RpcClient,
    readonly targets: TargetRegistry,
    private readonly resync: ResyncWorker,
    private readonly redriver: Redriver,
  ) {}

  static async create(options: StorageServerOptions): Promise<StorageServer> {
    const targets = await TargetRegistry.open(options.targets, options.engine ?? {}, { rejoin: options.rejoin ?? false });
    const peers = RpcClient.create({
      secret: options.secret,
      faults: options.forwardFaults ?? null,
      timeoutMs: options.forwardTimeoutMs ?? STORAGE_SERVER_DEFAULTS.forwardTimeoutMs,
    });
    let rpc: RpcServer;
    try {
      rpc = await RpcServer.create({ ...options.rpc, secret: options.secret });
    } catch (err) {
      await peers.close();
      await targets.close();
      throw err;
    }
    const faults = options.faults ?? null;
    const successorStub = async (view: ChainView): Promise<ServiceStub<StorageServiceDef>> => {
      const successor = view.successor!;
      let address: RpcAddress;
      try {
        address = targetAddress(view.routing, successor.targetId);
      } catch {
        // The successor's node registered its address after our last routing snapshot (a node that just started):
        // addresses are not part of the chain version, so a fresher snapshot answers without failing the write.
        address = targetAddress(await options.routing.refresh(), successor.targetId);
      }
      return createStub(peers, StorageService, address);
    };
    const forward = async (view: ChainView, req: UpdateReq): Promise<UpdateRsp> =>
      (await successorStub(view)).update(faults === null ? req : faults.alterForward(req));
    const fence = options.fence ?? null;
    const deps: StorageDeps = {
      routing: options.routing,
      targets,
      locks: new ChunkLock(),
      inflight: new InflightUpdates(),
      pendingTags: new Map(),
      dedup: new UpdateDedup(),
      forward,
      fence,
      localStateChanged: options.onLocalStateChange ?? (() => undefined),
      readBuffers: new BufferPool(),
      updateFailed: (chainId, chunkId) => redriver.chunkFailed(chainId, chunkId),
    };
    const redriver = new Redriver(deps, (message) => (options.log ?? (() => undefined))(`redrive: ${message}`));
    const resync = new ResyncWorker({
      routing: options.routing,
      targets,
      locks: deps.locks,
      inflight: deps.inflight,
      successor: successorStub,
      fence,
      log: options.log ?? (() => undefined),
    });
    rpc.register(StorageService, {
      write: (req) => handleWrite(deps, req),
      read: (req, context) => handleRead(deps, req, context),
      update: (req) => handleUpdate(deps, req),
      queryLastChunk: (req) => handleQueryLastChunk(deps, req),
      dumpChunkMeta: (req) => handleDumpChunkMeta(deps, req),
      applyFull: (req) => handleApplyFull(deps, req),
      applyRemove: (req) => handleApplyRemove(deps, req),
      syncDone: (req) => handleSyncDone(deps, req),
      remove: (req) => handleRemove(deps, req),
      truncate: (req) => handleTruncate(deps, req),
    }, {
      // These stage the payload (and forward it) before they settle and keep no reference to it afterwards.
      lendRequestBulk: ['write', 'update', 'applyFull'],
    });
    return new StorageServer(rpc, peers, targets, resync, redriver);
  }

  /**
   * Takes in a routing snapshot: steps each target's local state (rejoin gate, UPTODATE/ONLINE, see
   * `nextLocalStatus`) and starts the syncs this node is the source of. Returns the targets whose local state
   * changed, so the caller can heartbeat at once rather than on its next tick.
   */
  applyRouting(routing: RoutingInfo): LocalTarget[] {
    const changed: LocalTarget[] = [];
    if (routing.version > 0) {
      for (const target of this.targets.all()) {
        const next = nextLocalStatus(target, publicStateOf(routing, target.targetId));
        if (next.localState === target.localState && next.rejoining === target.rejoining) continue;
        target.localState = next.localState;
        target.rejoining = next.rejoining;
        changed.push(target);
      }
    }
    this.resync.poke();
    this.redriver.routingChanged(routing);
    return changed;
  }

  get address(): RpcAddress {
    return this.rpc.address;
  }

  /** Stops the listener (running calls finish), then the forwarding client, then the chunk engines. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.resync.close();
      await this.redriver.close();
      await this.rpc.close();
      await this.peers.close();
      await this.targets.close();
    })();
    return this.closing;
  }
}
