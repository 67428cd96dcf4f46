import { hasCode } from '../../infra/errors.ts';
import type { ServiceStub } from '../../infra/rpc/index.ts';
import type { ChainView } from '../chain-view.ts';
import { maxChunkSize } from '../chunk-engine/index.ts';
import { chunkLockKey } from '../chunk-lock.ts';
import type { ChunkLock } from '../chunk-lock.ts';
import { toWireMeta } from '../ops/wire-meta.ts';
import type { FullChunk, StorageServiceDef, WireChunkMeta } from '../protocol.ts';
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

/**
 * Brings the SYNCING successor of `view` (this target being the chain's last SERVING one) level with this target,
 * as 3FS's ResyncWorker does:
 *   1. dump the successor's chunk metadata (pages) and list ours
 *   2. remove what only the successor holds
 *   3. send every chunk it lacks or holds differently, whole and committed: each read here and applied there under
 *      our chunk lock, so a write forwarded meanwhile (which holds the same lock) cannot be overtaken by an older copy
 *   4. syncDone: its next heartbeat says UPTODATE and mgmtd makes it SERVING
 * Every call carries the chain version of `view`; when the chain moves on, the successor refuses and the sync ends
 * with that error (the next routing starts a new one if still needed).
 */
export async function syncSuccessor(
  view: ChainView,
  successor: ServiceStub<StorageServiceDef>,
  locks: ChunkLock,
  options: Partial<typeof RESYNC_DEFAULTS> = {},
): Promise<SyncSummary> {
  const opts = { ...RESYNC_DEFAULTS, ...options };
  const started = Date.now();
  const targetId = view.successor!.targetId;
  const chainVer = view.chain.chainVersion;
  const { engine } = view.target;

  // 1. Both sides' metadata.
  const theirs: WireChunkMeta[] = [];
  let begin: Uint8Array | null = null;
  do {
    const page = await successor.dumpChunkMeta({ targetId, chainVer, begin, limit: opts.dumpPage });
    theirs.push(...page.metas);
    begin = page.next;
  } while (begin !== null);
  const ours = engine.listChunks({ begin: null, end: null, limit: null }).map(toWireMeta);
  const plan = planResync(ours, theirs);

  // 2. Removes first, then 3. whole chunks; a few at a time, each under our chunk lock and decided again there (a
  //    write since the listing reached the successor through the chain already).
  let removed = 0;
  let copied = 0;
  let bytes = 0;
  const removeOne = (chunkId: Uint8Array): Promise<void> =>
    locks.withLock(chunkLockKey(view.target.targetId, chunkId), async () => {
      if (engine.stat(chunkId) !== null) return; // written here since the listing: forwarded whole, so it matches
      removed += (await successor.applyRemove({ targetId, chainVer, chunkIds: [chunkId] })).applied;
    });
  const sendOne = (chunkId: Uint8Array): Promise<void> =>
    locks.withLock(chunkLockKey(view.target.targetId, chunkId), async () => {
      let read;
      try {
        read = await engine.read(chunkId, { offset: 0, length: maxChunkSize(engine.layout) });
      } catch (err) {
        if (hasCode(err, 'STORAGE_CHUNK_NOT_FOUND')) return; // removed since the listing, and so at the successor
        throw err;
      }
      if (read.commitVer === 0) return; // nothing committed yet: its first write reaches the successor through the chain
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

async function inLanes<T>(items: readonly T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}
