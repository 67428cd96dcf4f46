/**
 * Client workloads for the storage crash tests, run in the test process against a real cluster:
 *
 * - `StreamWriters`: each writer writes chunk after chunk, every one a new chunk (as a checkpoint writer does), and
 *   remembers which writes were acknowledged, with their checksum.
 * - `RegisterClients`: a few clients read and overwrite a small set of shared chunks, recording every call and
 *   answer for the linearizability checker. A write that fails is recorded as never having returned: its effect is
 *   unknown (it may have been applied before the error).
 *
 * Chunk contents name themselves: the first bytes are the ASCII tag of the write, the rest derives from the tag, so
 * a read can be checked byte for byte and mapped back to the write that produced it.
 */
import { crc32c } from '@node-rs/crc32';
import { createHash } from 'node:crypto';
import { hasCode } from '../../infra/errors.ts';
import { encodeChunkId } from '../../infra/mgmtd/index.ts';
import type { ChainId } from '../../infra/mgmtd/index.ts';
import type { StorageClient } from '../../storage/index.ts';
import { CHUNK_UNKNOWN, HistoryRecorder } from './linearizability/index.ts';
import type { ChunkInput, ChunkOutput, Operation } from './linearizability/index.ts';

export const TAG_BYTES = 32;

/** `length` bytes naming `tag` (padded into the first TAG_BYTES), the rest a hash stream of the tag. */
export function taggedContent(tag: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  out.write(tag.padEnd(TAG_BYTES, ' ').slice(0, TAG_BYTES), 0, 'ascii');
  let block = createHash('sha256').update(tag).digest();
  for (let at = TAG_BYTES; at < length; at += block.length) {
    block.copy(out, at, 0, Math.min(block.length, length - at));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** The tag a content names, or null when its bytes are not exactly what that tag produces. */
export function tagOf(data: Buffer): string | null {
  const tag = data.subarray(0, TAG_BYTES).toString('ascii').trimEnd();
  return taggedContent(tag, data.length).equals(data) ? tag : null;
}

export interface AckedWrite {
  readonly chainId: ChainId;
  readonly chunkId: Uint8Array;
  readonly tag: string;
  readonly crc32c: number;
}

interface Loop {
  stop(): Promise<void>;
}

function runLoops(count: number, body: (worker: number, stopped: () => boolean) => Promise<void>): Loop {
  let stopped = false;
  const loops = Array.from({ length: count }, (_, worker) => body(worker, () => stopped));
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

export class StreamWriters {
  readonly acked: AckedWrite[] = [];
  failed = 0;
  private readonly loop: Loop;

  /** Writer `w` writes chunks (inode 1000 + w, index 0, 1, …) round-robin over `chains`. */
  constructor(client: StorageClient, chains: readonly ChainId[], writers: number, chunkBytes: number) {
    this.loop = runLoops(writers, async (w, stopped) => {
      for (let i = 0; !stopped(); i++) {
        const chainId = chains[i % chains.length]!;
        const chunkId = encodeChunkId(BigInt(1000 + w), i);
        const tag = `stream w${w} #${i}`;
        const data = taggedContent(tag, chunkBytes);
        try {
          await client.write({ chainId, chunkId, offset: 0, data });
          this.acked.push({ chainId, chunkId, tag, crc32c: crc32c(data) });
        } catch {
          this.failed += 1;
        }
      }
    });
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}

export interface SharedChunk {
  readonly chainId: ChainId;
  readonly chunkId: Uint8Array;
  readonly key: string;
}

export class RegisterClients {
  readonly recorder = new HistoryRecorder<ChunkInput, ChunkOutput>();
  /** Reads whose bytes did not match any write's content: must stay empty. */
  readonly garbled: string[] = [];
  ops = 0;
  failed = 0;
  private readonly loop: Loop;

  constructor(clients: readonly StorageClient[], readonly chunks: readonly SharedChunk[], chunkBytes: number) {
    this.loop = runLoops(clients.length, async (c, stopped) => {
      const client = clients[c]!;
      for (let i = 0; !stopped(); i++) {
        const chunk = chunks[(c * 7 + i * 3) % chunks.length]!;
        if (i % 3 === 2) await this.read(client, c, chunk);
        else await this.write(client, c, chunk, `reg c${c} #${i}`, chunkBytes);
      }
    });
  }

  async write(client: StorageClient, c: number, chunk: SharedChunk, tag: string, chunkBytes: number): Promise<void> {
    const op = this.recorder.call(c, { op: 'write', chunkId: chunk.key, content: tag });
    this.ops += 1;
    try {
      await client.write({ chainId: chunk.chainId, chunkId: chunk.chunkId, offset: 0, data: taggedContent(tag, chunkBytes) });
      this.recorder.return(op, { op: 'write' });
    } catch {
      this.failed += 1; // unknown effect: left pending
    }
  }

  async read(client: StorageClient, c: number, chunk: SharedChunk): Promise<void> {
    const op = this.recorder.call(c, { op: 'read', chunkId: chunk.key });
    this.ops += 1;
    try {
      const got = await client.read({ chainId: chunk.chainId, chunkId: chunk.chunkId, offset: 0, length: 1 << 20 });
      const tag = tagOf(got.data);
      if (tag === null) this.garbled.push(`${chunk.key}: ${got.data.subarray(0, TAG_BYTES).toString('ascii')}`);
      this.recorder.return(op, { op: 'read', status: 'found', content: tag ?? '<garbled>' });
    } catch (err) {
      if (hasCode(err, 'STORAGE_CHUNK_NOT_FOUND')) this.recorder.return(op, { op: 'read', status: 'not-found' });
      else this.failed += 1;
    }
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  history(): Operation<ChunkInput, ChunkOutput>[] {
    return this.recorder.history({ pendingOutput: CHUNK_UNKNOWN });
  }
}
