import type { ServiceStub } from '../../infra/rpc/index.ts';
import type { ChainView } from '../chain-view.ts';
import { maxChunkSize } from '../chunk-engine/index.ts';
import { chunkLockKey } from '../chunk-lock.ts';
import type { ChunkLock } from '../chunk-lock.ts';
import type { InflightUpdates } from '../inflight-updates.ts';
import { toWireMeta } from '../ops/wire-meta.ts';
import type { FullChunk, StorageServiceDef, WireChunkMeta } from '../protocol.ts';
import type { WriteFence } from '../write-fence.ts';
import { planResync } from './plan.ts';

export const RESYNC_DEFAULTS = {
  /** Chunk metas per dump page. */
  dumpPage: 1024,
  /** Chunks removed or sent at once (each its own call, under its own chunk lock). */
  concurrency: 8,
} as const;

export interface SyncSummary {
  readonly chainId: number;
  readonly chainVer: number;
  readonly targetId: number;
  readonly removed: number;
  readonly copied: number;
  readonly bytes: number;
  readonly elapsedMs: number;
}

export interface SyncDeps {
  readonly locks: ChunkLock;
  readonly inflight: InflightUpdates;
  readonly fence: WriteFence | null;
}

/**
 * Brings the SYNCING successor of `view` (this target being the chain's last SERVING one) level with this target,
 * as 3FS's ResyncWorker does:
 *   0. wait until no update admitted here under an older chain version is still running: it may commit here
 *      without reaching the successor, which joined the chain after it started
 *   1. dump the successor's chunk metadata (pages) and list ours
 *   2. remove there what holds nothing committed here
 *   3. send every chunk that differs, whole and committed
 *   4. syncDone: its next heartbeat says UPTODATE and mgmtd makes it SERVING
 * Steps 2 and 3 run each chunk under our chunk lock and decide again there from our current state: an update since
 * the listing reached the successor through the chain, and holds the same lock, so it is neither overtaken by an
 * older copy nor removed again. Every call carries the chain version of `view`; when the chain moves on, the
 * successor refuses and the sync ends with that error (the next routing starts a new one if still needed).
 */
export async function syncSuccessor(
  view: ChainView,
  successor: ServiceStub<StorageServiceDef>,
  deps: SyncDeps,
): Promise<SyncSummary> {
  const opts = RESYNC_DEFAULTS;
  const started = Date.now();
  const targetId = view.successor!.targetId;
  const chainVer = view.chain.chainVersion;
  const { engine } = view.target;
  const what = `the sync of target ${targetId}`;

  // 0-1. Older updates drained; both sides' metadata.
  await deps.inflight.drained(view.chain.chainId, chainVer);
  const theirs: WireChunkMeta[] = [];
  let begin: Uint8Array | null = null;
  do {
    const page = await successor.dumpChunkMeta({ targetId, chainVer, begin, limit: opts.dumpPage });
    theirs.push(...page.metas);
    begin = page.next;
  } while (begin !== null);
  const ours = engine.listChunks({ begin: null, end: null, limit: null }).map(toWireMeta);
  const plan = planResync(ours, theirs);

  // 2-3. Removes first, then whole chunks; a few at a time, each decided again under our chunk lock.
  let removed = 0;
  let copied = 0;
  let bytes = 0;
  const locked = (chunkId: Uint8Array, body: () => Promise<void>): Promise<void> =>
    deps.locks.withLock(chunkLockKey(view.target.targetId, chunkId), () => {
      deps.fence?.check(what);
      return body();
    });
  const removeThere = async (chunkId: Uint8Array): Promise<void> => {
    removed += (await successor.applyRemove({ targetId, chainVer, chunkIds: [chunkId] })).applied;
  };
  const removeOne = (chunkId: Uint8Array): Promise<void> =>
    locked(chunkId, async () => {
      if ((engine.stat(chunkId)?.commitVer ?? 0) > 0) return; // committed here since the listing: it went down the chain
      await removeThere(chunkId);
    });
  const sendOne = (chunkId: Uint8Array): Promise<void> =>
    locked(chunkId, async () => {
      if ((engine.stat(chunkId)?.commitVer ?? 0) === 0) return removeThere(chunkId); // removed since the listing
      const read = await engine.read(chunkId, { offset: 0, length: maxChunkSize(engine.layout) });
      const chunk: FullChunk = { chunkId, commitVer: read.commitVer, chainVer: read.chainVer, length: read.data.length, crc32c: read.crc32c };
      await successor.applyFull({ targetId, chainVer, chunks: [chunk], data: read.data });
      copied += 1;
      bytes += read.data.length;
    });
  await inLanes(plan.remove, opts.concurrency, removeOne);
  await inLanes(plan.full, opts.concurrency, sendOne);

  // 4. Done.
  await successor.syncDone({ targetId, chainVer });
  return { chainId: view.chain.chainId, chainVer, targetId, removed, copied, bytes, elapsedMs: Date.now() - started };
}

/** Runs `run` over `items`, `width` at a time; the first failure stops the lanes from taking more. */
async function inLanes<T>(items: readonly T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await run(items[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const lanes = Array.from({ length: Math.min(width, items.length) }, lane);
  const results = await Promise.allSettled(lanes);
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected !== undefined) throw (rejected as PromiseRejectedResult).reason;
}
