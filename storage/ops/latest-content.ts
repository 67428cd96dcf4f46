import { hasCode } from '../../infra/errors.ts';
import { maxChunkSize } from '../chunk-engine/index.ts';
import type { ChunkEngine } from '../chunk-engine/index.ts';
import type { PendingContent } from '../chunk-engine/ops/read-pending.ts';
import type { ChainView } from '../chain-view.ts';
import type { StorageDeps } from './deps.ts';

/**
 * What the next update of a chunk builds on, at the head under the chunk lock: its pending version when it has one
 * (an update whose round failed: further down the chain it may be committed and read already, so it must not be
 * undone; a tombstone counts as empty), else its committed content, else nothing.
 */
export async function latestContent(deps: StorageDeps, view: ChainView, chunkId: Uint8Array): Promise<Buffer> {
  const pending = await readPendingVersion(deps, view, chunkId);
  if (pending !== null) return pending.content ?? Buffer.alloc(0);
  return committedContent(view.target.engine, chunkId);
}

async function committedContent(engine: ChunkEngine, chunkId: Uint8Array): Promise<Buffer> {
  try {
    return (await engine.read(chunkId, { offset: 0, length: maxChunkSize(engine.layout) })).data;
  } catch (err) {
    if (hasCode(err, 'STORAGE_CHUNK_NOT_FOUND')) return Buffer.alloc(0);
    throw err;
  }
}

/**
 * The head's pending version of a chunk (see `ChunkEngine.readPending`). When the head's own copy of it fails its
 * checksum (a damaged disk), the chain still knows what it was: commits run tail first, so the tail holds that
 * version if any replica committed it, and then its content stands in; if the tail has not committed it, nobody
 * has, and the committed content here is what the next version builds on.
 */
export async function readPendingVersion(deps: StorageDeps, view: ChainView, chunkId: Uint8Array): Promise<PendingContent | null> {
  const { engine } = view.target;
  try {
    return await engine.readPending(chunkId);
  } catch (err) {
    const pending = engine.stat(chunkId)?.pending ?? null;
    const tail = view.chain.targets.filter((t) => t.publicState === 'SERVING').at(-1) ?? null;
    if (!hasCode(err, 'STORAGE_CHECKSUM_MISMATCH') || pending === null || tail === null || tail.targetId === view.target.targetId) throw err;
    const remote = await deps.readReplica(view, tail.targetId, chunkId);
    const content = remote !== null && remote.commitVer >= pending.updateVer ? remote.data : await committedContent(engine, chunkId);
    return { kind: 'WRITE', updateVer: pending.updateVer, content };
  }
}

/** `base` with `data` laid over it at `offset`, grown as needed. */
export function overlay(base: Uint8Array, offset: number, data: Uint8Array): Buffer {
  const content = Buffer.alloc(Math.max(base.length, offset + data.length));
  content.set(base);
  content.set(data, offset);
  return content;
}
