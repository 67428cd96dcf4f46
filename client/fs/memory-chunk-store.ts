import { crc32c } from '@node-rs/crc32';
import { StorageError } from '../../infra/errors.ts';
import type { FirepondError } from '../../infra/errors.ts';
import type { ChainId } from '../../infra/mgmtd/index.ts';
import { decodeChunkId } from '../../infra/mgmtd/index.ts';
import type { BatchResult, ChunkRead, ChunkReadResult, ChunkRef, ChunkWrite, QueryLastChunkRsp, WriteRsp } from '../../storage/index.ts';
import type { ChunkStore } from './deps.ts';

/**
 * The in-memory twin of the storage client for the data path's unit tests: chunks per chain in a map, the same
 * answers for missing chunks and short reads, and `failOn` to make writes or reads of chosen chunks fail.
 */
export class MemoryChunkStore implements ChunkStore {
  readonly chunks = new Map<string, { chainId: ChainId; chunkId: Uint8Array; data: Buffer }>();
  /** Chunk ids (hex) whose writes and reads fail with this error. */
  readonly failOn = new Map<string, FirepondError>();
  /** Reads first fill the caller's `into` buffers with garbage, as abandoned tries of a real read may. */
  abandonedTries = false;

  batchWrite(ios: readonly ChunkWrite[]): Promise<BatchResult<WriteRsp>[]> {
    return Promise.resolve(ios.map((io) => this.run(io.chunkId, () => {
      const key = Buffer.from(io.chunkId).toString('hex');
      const old = this.chunks.get(key)?.data ?? Buffer.alloc(0);
      const data = Buffer.alloc(Math.max(old.length, io.offset + io.data.length));
      old.copy(data);
      data.set(io.data, io.offset);
      this.chunks.set(key, { chainId: io.chainId, chunkId: io.chunkId, data });
      return { commitVer: 1, chunkLength: data.length, chunkCrc32c: 0 };
    })));
  }

  batchRead(ios: readonly ChunkRead[]): Promise<BatchResult<ChunkReadResult>[]> {
    // What an abandoned earlier try (timed out while its reply streamed in) may have left in the caller's buffer.
    if (this.abandonedTries) for (const io of ios) io.into?.fill(0xee);
    return Promise.resolve(ios.map((io) => this.run(io.chunkId, () => {
      const chunk = this.chunks.get(Buffer.from(io.chunkId).toString('hex'));
      if (chunk === undefined) throw StorageError.CHUNK_NOT_FOUND('chunk not found');
      const start = Math.min(io.offset, chunk.data.length);
      let data = chunk.data.subarray(start, Math.min(chunk.data.length, io.offset + io.length));
      if (io.into !== undefined) {
        // As the storage client does: the bytes land in the caller's buffer, the result is a view of it.
        const into = Buffer.from(io.into.buffer, io.into.byteOffset, io.into.byteLength);
        data = into.subarray(0, data.copy(into));
      }
      return { data, crc32c: crc32c(data), commitVer: 1, chunkLength: chunk.data.length };
    })));
  }

  batchRemove(ios: readonly ChunkRef[]): Promise<BatchResult<void>[]> {
    return Promise.resolve(ios.map((io) => this.run(io.chunkId, () => {
      this.chunks.delete(Buffer.from(io.chunkId).toString('hex'));
    })));
  }

  truncate(io: ChunkRef & { readonly length: number }): Promise<WriteRsp> {
    const result = this.run(io.chunkId, () => {
      const key = Buffer.from(io.chunkId).toString('hex');
      const data = Buffer.alloc(io.length);
      this.chunks.get(key)?.data.copy(data, 0, 0, io.length);
      this.chunks.set(key, { chainId: io.chainId, chunkId: io.chunkId, data });
      return { commitVer: 1, chunkLength: io.length, chunkCrc32c: 0 };
    });
    return result.ok ? Promise.resolve(result.value) : Promise.reject(result.error);
  }

  queryLastChunk(chainId: ChainId, inodeId: bigint): Promise<QueryLastChunkRsp> {
    let last: { chunkId: Uint8Array; data: Buffer; index: number } | null = null;
    for (const chunk of this.chunks.values()) {
      const id = decodeChunkId(chunk.chunkId);
      if (chunk.chainId === chainId && id.inodeId === inodeId && (last === null || id.chunkIndex > last.index)) {
        last = { chunkId: chunk.chunkId, data: chunk.data, index: id.chunkIndex };
      }
    }
    const meta = last === null
      ? null
      : { chunkId: last.chunkId, commitVer: 1, updateVer: 1, chainVer: 1, length: last.data.length, crc32c: 0, state: 'COMMIT' as const };
    return Promise.resolve({ meta });
  }

  private run<T>(chunkId: Uint8Array, body: () => T): BatchResult<T> {
    const failure = this.failOn.get(Buffer.from(chunkId).toString('hex'));
    if (failure !== undefined) return { ok: false, error: failure };
    try {
      return { ok: true, value: body() };
    } catch (err) {
      return { ok: false, error: err as FirepondError };
    }
  }
}
