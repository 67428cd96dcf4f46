import type { ChunkMeta } from '../chunk-engine/index.ts';
import type { WireChunkMeta } from '../protocol.ts';

export function toWireMeta(meta: ChunkMeta): WireChunkMeta {
  return {
    chunkId: meta.chunkId,
    commitVer: meta.commitVer,
    updateVer: meta.updateVer,
    chainVer: meta.chainVer,
    length: meta.length,
    crc32c: meta.crc32c,
    state: meta.state,
  };
}
