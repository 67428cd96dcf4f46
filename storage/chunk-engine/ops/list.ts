import { checkChunkId, inodeKeyRange } from '../chunk-key.ts';
import { toChunkMeta, type EngineCore } from '../engine-core.ts';
import type { ChunkId, ChunkMeta, ListChunksRequest } from '../types.ts';

export function statChunk(core: EngineCore, chunkId: ChunkId): ChunkMeta | null {
  const key = checkChunkId(chunkId);
  const record = core.store.getChunk(key);
  return record === null ? null : toChunkMeta(key, record);
}

/**
 * The chunk of `inodeId` with the highest index, committed or pending: one reverse range read from just past the
 * inode's last possible chunk id, keeping the first entry if it still belongs to the inode.
 */
export function lastChunkOf(core: EngineCore, inodeId: bigint): ChunkMeta | null {
  const { begin, end } = inodeKeyRange(inodeId);
  for (const { chunkId, record } of core.store.chunkRange({ start: end, end: null, reverse: true, limit: 1 })) {
    return chunkId.subarray(0, 8).equals(begin.subarray(0, 8)) ? toChunkMeta(chunkId, record) : null;
  }
  return null;
}

/** Chunk metadata in chunk-id order: one file's chunks together, by index. Resync dumps a target with it, in pages. */
export function listChunkMetas(core: EngineCore, req: ListChunksRequest): ChunkMeta[] {
  const start = req.begin === null ? null : checkChunkId(req.begin);
  const end = req.end === null ? null : checkChunkId(req.end);
  const out: ChunkMeta[] = [];
  for (const { chunkId, record } of core.store.chunkRange({ start, end, reverse: false, limit: req.limit })) {
    out.push(toChunkMeta(chunkId, record));
  }
  return out;
}
