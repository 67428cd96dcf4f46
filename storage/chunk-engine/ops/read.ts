import { crc32c } from '@node-rs/crc32';
import { StorageError } from '../../../infra/errors.ts';
import { rememberBulkChecksum } from '../../../infra/rpc/index.ts';
import { checkChunkId, chunkIdHex, describeChunkId } from '../chunk-key.ts';
import { toChunkMeta, type EngineCore } from '../engine-core.ts';
import { maxChunkSize } from '../layout.ts';
import { checkExtent } from '../request-checks.ts';
import type { ChunkId, ReadRequest, ReadResult } from '../types.ts';

/**
 * Reads the committed version only. The whole committed content is read so its CRC32C can be checked (the checksum
 * covers the chunk, not ranges); the range is cut from it. Reading past the end returns fewer bytes. The result says
 * whether a newer version is pending, so CRAQ can answer "not committed" rather than return data about to change.
 */
export async function readChunk(core: EngineCore, chunkId: ChunkId, req: ReadRequest): Promise<ReadResult> {
  const key = checkChunkId(chunkId);
  checkExtent('offset', req.offset, maxChunkSize(core.layout));
  checkExtent('length', req.length, maxChunkSize(core.layout));
  const stored = core.store.getChunk(key);
  if (stored === null) {
    throw StorageError.CHUNK_NOT_FOUND(`${describeChunkId(chunkId)} not found`, { context: { chunkId: chunkIdHex(chunkId) } });
  }
  const { record, content } = await core.readCommitted(key, stored, req.into);
  const start = Math.min(req.offset, content.length);
  const data = content.subarray(start, Math.min(content.length, req.offset + req.length));
  const meta = toChunkMeta(key, record);
  // The whole content was just verified against its checksum: a storage node sending it as a reply's bulk reuses
  // that value for the frame rather than hashing the bytes once more.
  if (data.length === content.length) rememberBulkChecksum(data, record.crc32c);
  core.metrics.increment('storage.chunk.reads');
  core.metrics.increment('storage.chunk.read_bytes', data.length);
  return {
    data,
    crc32c: data.length === content.length ? record.crc32c : crc32c(data),
    chunkLength: record.length,
    commitVer: record.commitVer,
    updateVer: meta.updateVer,
    chainVer: meta.chainVer,
    state: meta.state,
  };
}
