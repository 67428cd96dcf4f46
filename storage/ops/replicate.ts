import { crc32c } from '@node-rs/crc32';
import { hasCode, StorageError } from '../../infra/errors.ts';
import type { ChainView } from '../chain-view.ts';
import { chunkLockKey } from '../chunk-lock.ts';
import { maxChunkSize } from '../chunk-engine/index.ts';
import type { ChunkEngine, UpdateResult } from '../chunk-engine/index.ts';
import type { UpdateReq, UpdateTag, WriteRsp } from '../protocol.ts';
import type { StorageDeps } from './deps.ts';
import { overlay } from './latest-content.ts';

/** The reply to a remove: no chunk left. */
export const REMOVED: WriteRsp = { commitVer: 0, chunkLength: 0, chunkCrc32c: 0 };

/** One update as every replica of the chain applies it, with the version the head chose. */
export interface ReplicaUpdate {
  readonly kind: 'WRITE' | 'REPLACE' | 'REMOVE';
  /** The client updates it carries (see `UpdateReq.tags`). */
  readonly tags: readonly UpdateTag[];
  readonly updateVer: number;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly crc32c: number;
}

/**
 * The CRAQ step every replica runs under its chunk lock:
 *   1. stage the update as a pending version (a STALE outcome means it is already committed here, and so at every
 *      successor: commits travel tail to head)
 *   2. forward it to the successor, as a whole chunk when the successor is SYNCING, and wait for the reply
 *   3. check the successor ended with the same chunk checksum, then commit locally (the tail commits at once)
 */
export async function stageForwardCommit(deps: StorageDeps, view: ChainView, chunkId: Uint8Array, update: ReplicaUpdate): Promise<WriteRsp> {
  const leave = deps.inflight.enter(view.chain.chainId, view.chain.chainVersion);
  try {
    return await replicate(deps, view, chunkId, update);
  } finally {
    leave();
  }
}

async function replicate(deps: StorageDeps, view: ChainView, chunkId: Uint8Array, update: ReplicaUpdate): Promise<WriteRsp> {
  const { engine } = view.target;
  const chainVer = view.chain.chainVersion;
  if (view.state === 'SYNCING' && view.successor === null && update.kind !== 'WRITE') {
    deps.pendingTags.delete(chunkLockKey(view.target.targetId, chunkId));
    const installed = await installWhole(engine, chunkId, update, chainVer);
    for (const tag of update.tags) deps.dedup.staged(tag, update.updateVer, view.target.targetId);
    return installed;
  }
  const key = chunkLockKey(view.target.targetId, chunkId);
  const staged = await stage(engine, chunkId, update, chainVer);
  // Remembered only once the version is durably staged here: a retry then completes it rather than applying again.
  if (staged.outcome !== 'STALE') for (const tag of update.tags) deps.dedup.staged(tag, update.updateVer, view.target.targetId);
  if (staged.outcome === 'STALE') return update.kind === 'REMOVE' && staged.meta === null ? REMOVED : committedReply(staged, chunkId);
  const pending = staged.meta?.pending ?? null;
  if (pending === null) throw StorageError.NOT_COMMITTED('the staged version vanished before its commit', { context: { updateVer: update.updateVer } });
  deps.pendingTags.set(key, update.tags);

  if (view.successor !== null) {
    const full = update.kind === 'REPLACE' || (update.kind === 'WRITE' && view.successor.publicState === 'SYNCING');
    const payload = full && update.kind === 'WRITE' ? await wholeChunk(engine, chunkId, update) : update.data;
    const req: UpdateReq = {
      chunkId,
      chainId: view.chain.chainId,
      chainVer,
      kind: full ? 'REPLACE' : update.kind,
      updateVer: update.updateVer,
      offset: full ? 0 : update.offset,
      crc32c: full && update.kind === 'WRITE' ? crc32c(payload) : update.crc32c,
      data: payload,
      tags: update.tags,
    };
    const acked = await deps.forward(view, req);
    if (update.kind === 'REMOVE' ? acked.chunkLength !== 0 : acked.chunkCrc32c >>> 0 !== pending.crc32c >>> 0 || acked.chunkLength !== pending.length) {
      throw StorageError.CHECKSUM_MISMATCH(`successor ${view.successor.targetId} holds a different version ${update.updateVer}`, {
        context: { chainId: view.chain.chainId, updateVer: update.updateVer, local: pending.crc32c, successor: acked.chunkCrc32c },
      });
    }
  }

  const committed = await engine.commit(chunkId, { updateVer: update.updateVer });
  deps.pendingTags.delete(key);
  if (update.kind === 'REMOVE') return REMOVED;
  const meta = committed.meta;
  if (meta === null) throw StorageError.CHUNK_NOT_FOUND('the chunk vanished during its commit', { context: { updateVer: update.updateVer } });
  return { commitVer: meta.commitVer, chunkLength: meta.length, chunkCrc32c: meta.crc32c };
}

/**
 * A SYNCING target is always the chain's last writable link, so it commits as soon as it stores. What it held may
 * be anything (even a newer version number, from a chunk the chain removed and recreated while it was away), so the
 * whole chunk is installed as committed, as resync's applyFull does, rather than staged against those versions.
 */
async function installWhole(engine: ChunkEngine, chunkId: Uint8Array, update: ReplicaUpdate, chainVer: number): Promise<WriteRsp> {
  // A late copy of an older update (its sender timed out and moved on) must not undo a newer one installed since.
  const current = engine.stat(chunkId);
  if (current !== null && writtenThisSync(current, chainVer) && current.commitVer >= update.updateVer) {
    return { commitVer: current.commitVer, chunkLength: current.length, chunkCrc32c: current.crc32c };
  }
  if (update.kind === 'REMOVE') {
    await engine.applyRemove(chunkId);
    return REMOVED;
  }
  const meta = await engine.applyFull(chunkId, { data: update.data, crc32c: update.crc32c, commitVer: update.updateVer, chainVer });
  return { commitVer: meta.commitVer, chunkLength: meta.length, chunkCrc32c: meta.crc32c };
}

function stage(engine: ChunkEngine, chunkId: Uint8Array, update: ReplicaUpdate, chainVer: number): Promise<UpdateResult> {
  if (update.kind === 'REMOVE') return engine.remove(chunkId, { updateVer: update.updateVer, chainVer });
  const common = { data: update.data, crc32c: update.crc32c, updateVer: update.updateVer, chainVer };
  return update.kind === 'WRITE' ? engine.write(chunkId, { ...common, offset: update.offset }) : engine.replace(chunkId, common);
}

function committedReply(staged: UpdateResult, chunkId: Uint8Array): WriteRsp {
  const meta = staged.meta;
  if (meta === null) throw StorageError.CHUNK_NOT_FOUND('a stale update found no chunk', { context: { chunkId: Buffer.from(chunkId).toString('hex') } });
  return { commitVer: meta.commitVer, chunkLength: meta.length, chunkCrc32c: meta.crc32c };
}

/** The committed content with the write laid over it: the whole new version, for a full-chunk forward. */
export async function wholeChunk(engine: ChunkEngine, chunkId: Uint8Array, write: { offset: number; data: Uint8Array }): Promise<Buffer> {
  let base: Buffer = Buffer.alloc(0);
  try {
    base = (await engine.read(chunkId, { offset: 0, length: maxChunkSize(engine.layout) })).data;
  } catch (err) {
    if (!hasCode(err, 'STORAGE_CHUNK_NOT_FOUND')) throw err;
  }
  return overlay(base, write.offset, write.data);
}

/**
 * Whether a SYNCING target's committed version arrived during the sync at `chainVer` (by a forwarded update or a
 * resync apply, both of which record that chain version) rather than from before the target went away. Such a
 * version is current, so an install carrying an older or equal version is a late copy and is skipped; whatever the
 * target held from before is overwritten unconditionally.
 */
export function writtenThisSync(meta: { readonly commitVer: number; readonly commitChainVer: number }, chainVer: number): boolean {
  return meta.commitVer > 0 && meta.commitChainVer === chainVer;
}

/**
 * The tags a new version at the head carries: those of the pending version it is built on (a failed round's
 * update, visible through it) and its own.
 */
export function builtOn(deps: StorageDeps, view: ChainView, chunkId: Uint8Array, own: UpdateTag | null): UpdateTag[] {
  const earlier = deps.pendingTags.get(chunkLockKey(view.target.targetId, chunkId)) ?? [];
  return own === null ? [...earlier] : [...earlier, own];
}
