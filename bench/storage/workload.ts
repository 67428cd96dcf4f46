/**
 * The storage benchmark's workload: distinct chunks written through storage clients into the cluster's chains, then
 * read back and checked, timed per phase.
 */
import { crc32c } from '@node-rs/crc32';
import { randomBytes } from 'node:crypto';
import { encodeChunkId } from '../../infra/mgmtd/index.ts';
import type { ChainId } from '../../infra/mgmtd/index.ts';
import type { StorageClient } from '../../storage/index.ts';
import type { StorageCluster } from './cluster.ts';

const MiB = 2 ** 20;
/** Warm-up chunks belong to this inode above the workload's own. */
const WARMUP_INODE_OFFSET = 1_000_000n;
/** Throughput unit of every figure: MB/s = 10^6 bytes per second. */
const MB = 1e6;

export interface ChunkWorkloadOptions {
  readonly chunkBytes: number;
  /** Bytes written (and then read); rounded up to whole chunks. */
  readonly budgetBytes: number;
  /** Storage clients, each with its own connections; the same clients write and then read. */
  readonly clients: number;
  /** Requests in flight per client: each client runs this many loops, writers and then readers. */
  readonly depth: number;
  /** The inode the chunk ids belong to; distinct per workload run on one cluster. */
  readonly inodeId: bigint;
  /**
   * Bytes written and read, the same way, before the clock starts, on chunks of another inode (0: none). Every
   * process of the path compiles its hot functions during the first second or so of load, and fills its buffer
   * pools: a phase of a few hundred milliseconds would time mostly that.
   */
  readonly warmupBytes?: number;
}

export interface PhaseFigures {
  readonly seconds: number;
  readonly mbPerSec: number;
  readonly opsPerSec: number;
}

export interface ChunkThroughput {
  readonly chunkBytes: number;
  readonly clients: number;
  /** Requests in flight per client. */
  readonly depth: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly write: PhaseFigures;
  readonly read: PhaseFigures;
  /** Chunks that read back with another length or CRC32C than was written; 0 when the data is intact. */
  readonly corrupt: number;
}

/**
 * Writes `budgetBytes / chunkBytes` distinct chunks of random data with `clients × depth` concurrent loops (each
 * takes the next chunk number, chains round-robin), then reads them all back with as many loops and checks each
 * chunk's length and CRC32C against the one computed when it was made.
 *
 * Why `depth` loops per client: a storage client, like 3FS's, keeps many requests in flight. With one request per
 * client, 64 KiB chunks are bound by the round trip of each write (an fdatasync at every replica along a 3-replica
 * chain) rather than by what the system can move, so the figure would measure latency, not throughput.
 *
 * Chunk contents come from a random pool, made before the clock starts: chunk i is the pool at an offset that varies
 * with i, stamped with i in its first 8 bytes, so every chunk differs and making one costs one copy. Each chunk's
 * CRC32C is computed before the clock starts too (each chunk made once into a scratch buffer), so the timed loops
 * spend their CPU on the storage path rather than on the benchmark's own bookkeeping; the storage client still
 * computes its own checksum of every chunk it sends.
 */
export async function measureChunkThroughput(cluster: StorageCluster, options: ChunkWorkloadOptions): Promise<ChunkThroughput> {
  const { chunkBytes, clients, depth } = options;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 8) throw new Error(`chunkBytes must be an integer ≥ 8, got ${chunkBytes}`);
  if (!Number.isInteger(clients) || clients < 1) throw new Error(`clients must be a positive integer, got ${clients}`);
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`depth must be a positive integer, got ${depth}`);
  const chunks = Math.max(1, Math.ceil(options.budgetBytes / chunkBytes));
  const pool = randomBytes(Math.min(chunks * chunkBytes, 16 * MiB) + chunkBytes);
  const slots = pool.length - chunkBytes + 1;
  const makeChunk = (i: number, data: Buffer): Buffer => {
    const at = (i * 4099) % slots;
    pool.copy(data, 0, at, at + chunkBytes);
    data.writeBigUInt64LE(BigInt(i), 0);
    return data;
  };
  const chainOf = (i: number): ChainId => cluster.chains[i % cluster.chains.length]!;
  const scratch = Buffer.allocUnsafe(chunkBytes);
  const crcs = Array.from({ length: chunks }, (_, i) => crc32c(makeChunk(i, scratch)));
  const storage = Array.from({ length: clients }, () => cluster.createClient());

  /** Runs `depth` loops per client over the chunks, all sharing one next-chunk counter; returns the seconds taken. */
  const inLoops = async (count: number, body: (client: StorageClient, i: number, buffer: Buffer) => Promise<void>): Promise<number> => {
    let next = 0;
    const loop = async (client: StorageClient): Promise<void> => {
      const buffer = Buffer.allocUnsafe(chunkBytes); // each loop writes from and reads into one buffer of its own
      for (let i = next++; i < count; i = next++) await body(client, i, buffer);
    };
    const started = performance.now();
    await Promise.all(storage.flatMap((client) => Array.from({ length: depth }, () => loop(client))));
    return (performance.now() - started) / 1000;
  };

  const writePhase = (inode: bigint, count: number): Promise<number> =>
    inLoops(count, async (client, i, buffer) => {
      const data = makeChunk(i, buffer);
      await client.write({ chainId: chainOf(i), chunkId: encodeChunkId(inode, i), offset: 0, data });
    });
  let corrupt = 0;
  const readPhase = (inode: bigint, count: number): Promise<number> =>
    inLoops(count, async (client, i, into) => {
      const got = await client.read({ chainId: chainOf(i), chunkId: encodeChunkId(inode, i), offset: 0, length: chunkBytes, into });
      // got.crc32c is the checksum of the bytes as they arrived (the client checks them against it).
      if (got.data.length !== chunkBytes || got.crc32c !== crcs[i]) corrupt++;
    });

  const warmupChunks = Math.min(chunks, Math.ceil((options.warmupBytes ?? 0) / chunkBytes));
  if (warmupChunks > 0) {
    const warmupInode = options.inodeId + WARMUP_INODE_OFFSET;
    await writePhase(warmupInode, warmupChunks);
    await readPhase(warmupInode, warmupChunks);
  }
  const writeSeconds = await writePhase(options.inodeId, chunks);
  const readSeconds = await readPhase(options.inodeId, chunks);
  const bytes = chunks * chunkBytes;
  const figures = (seconds: number): PhaseFigures => ({ seconds, mbPerSec: bytes / MB / seconds, opsPerSec: chunks / seconds });
  return { chunkBytes, clients, depth, chunks, bytes, write: figures(writeSeconds), read: figures(readSeconds), corrupt };
}
