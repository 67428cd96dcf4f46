import { findChain, findTarget } from '../infra/mgmtd/index.ts';
import type { ChainId, RoutingInfo } from '../infra/mgmtd/index.ts';
import { viewChain } from './chain-view.ts';
import type { StorageDeps } from './ops/deps.ts';
import { redriveChain, redriveChunk } from './ops/redrive.ts';

export const REDRIVER_DEFAULTS = {
  /** How long after a failed update its chunk is looked at again (its client usually retries first). */
  delayMs: 2_000,
  /** Looks at one chunk this many times at most (delays double from 2 s: ~34 min in all), then leaves it to the next write. */
  maxTries: 10,
} as const;

/**
 * When to complete failed updates (see `redriveChunk`): a while after an update failed at this head, and, for every
 * chain this node heads, after each change of the chain's version (a new head takes over the pending versions the
 * old chain left behind).
 */
export class Redriver {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly seenVersions = new Map<ChainId, number>();
  private closed = false;

  constructor(
    private readonly deps: StorageDeps,
    private readonly log: (message: string) => void,
    private readonly delayMs: number = REDRIVER_DEFAULTS.delayMs,
  ) {}

  /** Looks at the chunk again after a while; a failed look is retried, up to `maxTries` with doubling delays. */
  chunkFailed(chainId: ChainId, chunkId: Uint8Array, tries = 0): void {
    if (this.closed || tries >= REDRIVER_DEFAULTS.maxTries) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const what = `chunk ${Buffer.from(chunkId).toString('hex')} of chain ${chainId}`;
      this.track(what, async () => {
        const chain = findChain(this.deps.routing.current(), chainId);
        if (chain === null) return 0;
        try {
          const view = await viewChain(this.deps.routing, this.deps.targets, chainId, chain.chainVersion);
          return view.isHead && (await redriveChunk(this.deps, view, chunkId)) ? 1 : 0;
        } catch (err) {
          this.chunkFailed(chainId, chunkId, tries + 1);
          throw err;
        }
      });
    }, this.delayMs * 2 ** tries);
    timer.unref();
    this.timers.add(timer);
  }

  routingChanged(routing: RoutingInfo): void {
    if (this.closed) return;
    for (const target of this.deps.targets.all()) {
      if (target.rejoining) continue;
      const chainId = findTarget(routing, target.targetId)?.chainId ?? null;
      const chain = chainId === null ? null : findChain(routing, chainId);
      if (chain === null || chain.targets[0]?.targetId !== target.targetId || chain.targets[0].publicState !== 'SERVING') continue;
      if (this.seenVersions.get(chain.chainId) === chain.chainVersion) continue;
      this.seenVersions.set(chain.chainId, chain.chainVersion);
      this.track(`chain ${chain.chainId} v${chain.chainVersion}`, () => redriveChain(this.deps, chain.chainId));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled(this.running);
  }

  private track(what: string, run: () => Promise<number>): void {
    const job = run().then(
      (done) => {
        if (done > 0) this.log(`completed ${done} failed update(s) of ${what}`);
      },
      (err: unknown) => this.log(`could not complete the failed updates of ${what} (the next write or chain change retries): ${(err as Error).message}`),
    );
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }
}
