import { crc32c } from '@node-rs/crc32';
import { hasCode } from '../../infra/errors.ts';
import { findChain } from '../../infra/mgmtd/index.ts';
import type { ChainId } from '../../infra/mgmtd/index.ts';
import { stillCurrent, viewChain } from '../chain-view.ts';
import type { ChainView } from '../chain-view.ts';
import { chunkLockKey } from '../chunk-lock.ts';
import type { WriteRsp } from '../protocol.ts';
import type { StorageDeps } from './deps.ts';
import { builtOn, stageForwardCommit } from './replicate.ts';

/**
 * Completes an update whose round failed and that nobody retried (the client gave up, or the head died and this
 * target took its place): while its pending version sits at the head, reads of the chunk answer "not committed" at
 * every replica that holds it. Under the chunk lock, the head sends the pending content (or the tombstone) down the
 * chain again as the next version, which commits it everywhere. Returns whether there was anything to complete.
 */
export async function redriveChunk(deps: StorageDeps, view: ChainView, chunkId: Uint8Array): Promise<boolean> {
  return deps.locks.withLock(chunkLockKey(view.target.targetId, chunkId), async () => {
    stillCurrent(deps.routing, view);
    deps.fence?.check('completing a failed update');
    return (await completePending(deps, view, chunkId)) !== null;
  });
}

/**
 * The step itself, for a caller holding the chunk lock at the head: the pending version's content (or tombstone)
 * goes down the chain as the next version. Null when there is no pending version.
 */
export async function completePending(deps: StorageDeps, view: ChainView, chunkId: Uint8Array): Promise<WriteRsp | null> {
  const pending = await view.target.engine.readPending(chunkId);
  if (pending === null) return null;
  const updateVer = pending.updateVer + 1;
  if (pending.content === null) {
    return stageForwardCommit(deps, view, chunkId, { kind: 'REMOVE', tags: builtOn(deps, view, chunkId, null), updateVer, offset: 0, data: new Uint8Array(0), crc32c: 0 });
  }
  const data = pending.content;
  return stageForwardCommit(deps, view, chunkId, { kind: 'REPLACE', tags: builtOn(deps, view, chunkId, null), updateVer, offset: 0, data, crc32c: crc32c(data) });
}

/** Completes every pending version of the chain's head target held here; the number completed. */
export async function redriveChain(deps: StorageDeps, chainId: ChainId): Promise<number> {
  const chain = findChain(deps.routing.current(), chainId);
  if (chain === null) return 0;
  const view = await viewChain(deps.routing, deps.targets, chainId, chain.chainVersion);
  if (!view.isHead) return 0;
  let done = 0;
  for (const meta of view.target.engine.listChunks({ begin: null, end: null, limit: null })) {
    if (meta.pending === null) continue;
    try {
      if (await redriveChunk(deps, view, meta.chunkId)) done += 1;
    } catch (err) {
      // The chain changed under us: the next version's redrive covers what is left.
      if (hasCode(err, 'STORAGE_CHAIN_VERSION_MISMATCH', 'STORAGE_ROUTING_ERROR')) throw err;
      deps.updateFailed(chainId, meta.chunkId); // looked at again later, on its own; the others go on now
    }
  }
  return done;
}
