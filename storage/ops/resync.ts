import { GeneralError } from '../../infra/errors.ts';
import { requireState, stillCurrent, viewTarget } from '../chain-view.ts';
import { chunkLockKey } from '../chunk-lock.ts';
import type { ApplyFullReq, ApplyRemoveReq, ApplyRsp, DumpChunkMetaReq, DumpChunkMetaRsp, SyncDoneReq, SyncDoneRsp } from '../protocol.ts';
import { checkPayload } from './check-data.ts';
import type { StorageDeps } from './deps.ts';
import { writtenThisSync } from './replicate.ts';
import { toWireMeta } from './wire-meta.ts';

/**
 * The resync primitives a sync source (the SYNCING target's predecessor) drives, in 3FS's order:
 *   dumpChunkMeta (pages) → applyRemove (chunks the source lacks) → applyFull (chunks that differ) → syncDone
 * Applies take the CRAQ chunk lock, so they interleave with forwarded writes one chunk at a time.
 */
export const DUMP_PAGE_MAX = 4096;

export async function handleDumpChunkMeta(deps: StorageDeps, req: DumpChunkMetaReq): Promise<DumpChunkMetaRsp> {
  if (!Number.isInteger(req.limit) || req.limit < 1 || req.limit > DUMP_PAGE_MAX) {
    throw GeneralError.INVALID_ARGUMENT(`limit must be in [1, ${DUMP_PAGE_MAX}], got ${req.limit}`);
  }
  const view = await viewTarget(deps.routing, deps.targets, req.targetId, req.chainVer);
  // A sync starts with the first page: it replaces what was staged here, so that says nothing about retries now.
  if (view.state === 'SYNCING' && req.begin === null) deps.dedup.forgetTarget(view.target.targetId);
  if (view.state === 'SYNCING' && view.target.localState !== 'ONLINE') {
    view.target.localState = 'ONLINE';
    deps.localStateChanged();
  }
  const metas = view.target.engine.listChunks({ begin: req.begin, end: null, limit: req.limit + 1 });
  const next = metas.length > req.limit ? metas[req.limit]!.chunkId : null;
  return { metas: metas.slice(0, req.limit).map(toWireMeta), next };
}

export async function handleApplyFull(deps: StorageDeps, req: ApplyFullReq): Promise<ApplyRsp> {
  deps.fence?.check('a resync apply');
  const view = await viewTarget(deps.routing, deps.targets, req.targetId, req.chainVer);
  requireState(view, ['SYNCING'], 'a resync apply');
  const data = req.data ?? new Uint8Array(0);
  const total = req.chunks.reduce((sum, c) => sum + c.length, 0);
  if (total !== data.length) throw GeneralError.INVALID_ARGUMENT(`applyFull lists ${total} bytes of chunks but carries ${data.length}`);
  const { engine, targetId } = view.target;
  let offset = 0;
  for (const chunk of req.chunks) {
    const bytes = checkPayload(data.subarray(offset, offset + chunk.length), chunk.crc32c, 'applyFull');
    offset += chunk.length;
    await deps.locks.withLock(chunkLockKey(targetId, chunk.chunkId), async () => {
      stillCurrent(deps.routing, view);
      // A late copy (its sync timed out and a newer version arrived since) must not undo the newer one.
      const current = engine.stat(chunk.chunkId);
      if (current !== null && writtenThisSync(current, req.chainVer) && current.commitVer >= chunk.commitVer) return;
      // Recorded at the sync's chain version: what arrives during the sync is told from what the target held before.
      await engine.applyFull(chunk.chunkId, { data: bytes, crc32c: chunk.crc32c, commitVer: chunk.commitVer, chainVer: req.chainVer });
      deps.pendingTags.delete(chunkLockKey(targetId, chunk.chunkId));
    });
  }
  return { applied: req.chunks.length };
}

export async function handleApplyRemove(deps: StorageDeps, req: ApplyRemoveReq): Promise<ApplyRsp> {
  deps.fence?.check('a resync remove');
  const view = await viewTarget(deps.routing, deps.targets, req.targetId, req.chainVer);
  requireState(view, ['SYNCING'], 'a resync remove');
  const { engine, targetId } = view.target;
  let applied = 0;
  for (const chunkId of req.chunkIds) {
    const done = await deps.locks.withLock(chunkLockKey(targetId, chunkId), () => {
      stillCurrent(deps.routing, view);
      // Written during this sync (the chunk was created again since the source decided): a late remove keeps off it.
      const current = engine.stat(chunkId);
      if (current !== null && writtenThisSync(current, req.chainVer)) return Promise.resolve(false);
      deps.pendingTags.delete(chunkLockKey(targetId, chunkId));
      return engine.applyRemove(chunkId);
    });
    if (done) applied += 1;
  }
  return { applied };
}

/** The target now holds what its predecessor holds: its next heartbeat says UPTODATE and mgmtd makes it SERVING. */
export async function handleSyncDone(deps: StorageDeps, req: SyncDoneReq): Promise<SyncDoneRsp> {
  const view = await viewTarget(deps.routing, deps.targets, req.targetId, req.chainVer);
  requireState(view, ['SYNCING'], 'syncDone');
  view.target.localState = 'UPTODATE';
  deps.localStateChanged();
  return { localState: view.target.localState };
}
