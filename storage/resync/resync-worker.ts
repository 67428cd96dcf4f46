import { findChain, findTarget } from '../../infra/mgmtd/index.ts';
import type { ChainId } from '../../infra/mgmtd/index.ts';
import type { RoutingSource } from '../routing-source.ts';
import type { ServiceStub } from '../../infra/rpc/index.ts';
import type { ChainView } from '../chain-view.ts';
import type { ChunkLock } from '../chunk-lock.ts';
import type { InflightUpdates } from '../inflight-updates.ts';
import type { StorageServiceDef } from '../protocol.ts';
import type { TargetRegistry } from '../target-registry.ts';
import type { WriteFence } from '../write-fence.ts';
import { syncSuccessor } from './sync-successor.ts';

export const RESYNC_WORKER_DEFAULTS = {
  /** After a failed sync, look again this much later (routing may have moved on, or the successor restarted). */
  retryMs: 1_000,
} as const;

export interface ResyncWorkerOptions {
  readonly routing: RoutingSource;
  readonly targets: TargetRegistry;
  readonly locks: ChunkLock;
  readonly inflight: InflightUpdates;
  /** A stub for the node that holds the SYNCING target. */
  readonly successor: (view: ChainView) => Promise<ServiceStub<StorageServiceDef>>;
  readonly fence: WriteFence | null;
  readonly log: (message: string) => void;
}

/**
 * Starts a sync wherever one of this node's targets is the last SERVING replica of a chain whose next target is
 * SYNCING (3FS: the node adds the chain to `syncingChains_`). One sync per chain at a time; `poke` after every
 * routing change; failures are logged and looked at again after `RESYNC_WORKER_DEFAULTS.retryMs`.
 */
export class ResyncWorker {
  private readonly running = new Map<ChainId, Promise<void>>();
  /** Chain versions whose sync finished: the routing that makes the target SERVING follows, not another sync. */
  private readonly synced = new Map<ChainId, number>();
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: ResyncWorkerOptions) {}

  /** Looks at the newest routing and starts the syncs it calls for. */
  poke(): void {
    if (this.closed) return;
    const routing = this.options.routing.current();
    for (const target of this.options.targets.all()) {
      if (target.rejoining) continue;
      const chainId = findTarget(routing, target.targetId)?.chainId ?? null;
      const chain = chainId === null ? null : findChain(routing, chainId);
      if (chain === null || this.running.has(chain.chainId) || this.synced.get(chain.chainId) === chain.chainVersion) continue;
      const position = chain.targets.findIndex((t) => t.targetId === target.targetId);
      const next = chain.targets[position + 1];
      if (chain.targets[position]?.publicState !== 'SERVING' || next?.publicState !== 'SYNCING') continue;
      const view: ChainView = { routing, chain, target, state: 'SERVING', isHead: position === 0, successor: next };
      const sync = this.run(view);
      this.running.set(chain.chainId, sync);
      void sync.finally(() => this.running.delete(chain.chainId));
    }
  }

  /** Waits for running syncs to end; starts no more. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    await Promise.allSettled(this.running.values());
  }

  private async run(view: ChainView): Promise<void> {
    const what = `sync of target ${view.successor!.targetId} (chain ${view.chain.chainId} v${view.chain.chainVersion}) from ${view.target.targetId}`;
    try {
      this.options.log(`${what}: started`);
      const { locks, inflight, fence } = this.options;
      const summary = await syncSuccessor(view, await this.options.successor(view), { locks, inflight, fence });
      this.options.log(`${what}: done in ${summary.elapsedMs} ms, ${summary.removed} removed, ${summary.copied} chunks (${summary.bytes} bytes) copied`);
      this.synced.set(view.chain.chainId, summary.chainVer);
    } catch (err) {
      this.options.log(`${what}: failed, looking again in ${RESYNC_WORKER_DEFAULTS.retryMs} ms: ${(err as Error).message}`);
      if (!this.closed && this.retry === null) {
        this.retry = setTimeout(() => {
          this.retry = null;
          this.poke();
        }, RESYNC_WORKER_DEFAULTS.retryMs);
      }
    }
  }
}
