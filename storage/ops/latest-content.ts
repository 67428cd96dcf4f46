import { hasCode } from '../../infra/errors.ts';
import { maxChunkSize } from '../chunk-engine/index.ts';
import type { ChunkEngine } from '../chunk-engine/index.ts';

/**
 * What the next update of a chunk builds on, at the head under the chunk lock: its pending version when it has one
 * (an update whose round failed: further down the chain it may be committed and read already, so it must not be
 * undone; a tombstone counts as empty), else its committed content, else nothing.
 */
export async function latestContent(engine: ChunkEngine, chunkId: Uint8Array): Promise<Buffer> {
  const pending = await engine.readPending(chunkId);
  if (pending !== null) return pending.content ?? Buffer.alloc(0);
  try {
    return (await engine.read(chunkId, { offset: 0, length: maxChunkSize(engine.layout) })).data;
  } catch (err) {
    if (hasCode(err, 'STORAGE_CHUNK_NOT_FOUND')) return Buffer.alloc(0);
    throw err;
  }
}

/** `base` with `data` laid over it at `offset`, grown as needed. */
export function overlay(base: Uint8Array, offset: number, data: Uint8Array): Buffer {
  const content = Buffer.alloc(Math.max(base.length, offset + data.length));
  content.set(base);
  content.set(data, offset);
  return content;
}
