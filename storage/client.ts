import { crc32c } from '@node-rs/crc32';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FirepondError, GeneralError, StorageError } from '../infra/errors.ts';
import { chainIdOfChunk, fileChainIds, findChain, findChainTable } from '../infra/mgmtd/index.ts';
import type { ChainId, ChainInfo, FileLayout, RoutingInfo, TargetId } from '../infra/mgmtd/index.ts';
import { createStub, knownBulkChecksum, rememberBulkChecksum, RpcClient } from '../infra/rpc/index.ts';
import type { RpcClientOptions } from '../infra/rpc/index.ts';
import { backoffDelay, retryVerdict } from './client-retry.ts';
import { targetAddress } from './node-address.ts';
import { StorageService } from './protocol.ts';
import type { QueryLastChunkRsp, ReadRsp, StorageServiceDef, UpdateTag, WriteRsp } from './protocol.ts';
import type { RoutingSource } from './routing-source.ts';
import type { ServiceStub } from '../infra/rpc/index.ts';

export const STORAGE_CLIENT_DEFAULTS = {
  /** Tries per request, the first included. */
  maxAttempts: 10,
  backoffBaseMs: 10,
  backoffCapMs: 1000,
  /** Requests of one batch in flight at once. */
  batchConcurrency: 32,
} as const;

export interface StorageClientOptions {
  readonly routing: RoutingSource;
  /** Transport options (secret, deadline, faults). */
  readonly rpc: RpcClientOptions;
  /** Names this client in write dedup tags; a random UUID by default. */
  readonly clientId?: string;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  readonly batchConcurrency?: number;
}

export interface ChunkRef {
  readonly chainId: ChainId;
  readonly chunkId: Uint8Array;
}

export interface ChunkWrite {
  readonly chainId: ChainId;
  readonly chunkId: Uint8Array;
  readonly offset: number;
  readonly data: Uint8Array;
}

export interface ChunkRead {
  readonly chainId: ChainId;
  readonly chunkId: Uint8Array;
  readonly offset: number;
  readonly length: number;
  /**
   * Receive the bytes into this buffer (at least `length` bytes) instead of a new one: a reader that reuses its
   * buffers allocates nothing per read. `data` is then a view of it. Leave it alone until the read settles.
   */
  readonly into?: Uint8Array;
}

export interface ChunkReadResult {
  readonly data: Buffer;
  /** CRC32C of `data`, checked against the bytes on arrival. */
  readonly crc32c: number;
  readonly commitVer: number;
  readonly chunkLength: number;
}

export type BatchResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: FirepondError };

/**
 * The storage client: routes each chunk request to its chain, writes to the head, reads from a SERVING replica
 * (round-robin across replicas; after "not committed" from the tail), and retries routing and connection errors
 * after refreshing routing. A retried write keeps its (client, channel, seqnum) tag, so the head applies it once.
 *
 *   const storage = StorageClient.create({ routing, rpc: { secret } });
 *   t.after(() => storage.close());
 */
export class StorageClient {
  readonly clientId: string;
  private readonly rpc: RpcClient;
  private readonly stubs = new Map<string, ServiceStub<StorageServiceDef>>();
  private readonly freeChannels: number[] = [];
  private readonly seqnums = new Map<number, number>();
  private nextChannel = 1;
  private readCursor = 0;

  private constructor(private readonly options: StorageClientOptions) {
    this.clientId = options.clientId ?? randomUUID();
    this.rpc = RpcClient.create(options.rpc);
  }

  static create(options: StorageClientOptions): StorageClient {
    return new StorageClient(options);
  }

  /** The chain of chunk `chunkIndex` of a file, from the chain table version its layout pins. */
  chainOf(layout: FileLayout, chunkIndex: number): ChainId {
    const table = findChainTable(this.options.routing.current(), layout.chainTableId, layout.tableVersion);
    if (table === null) {
      throw StorageError.ROUTING_ERROR(`chain table ${layout.chainTableId} v${layout.tableVersion} is not in routing`, { context: { layout } });
    }
    return chainIdOfChunk(fileChainIds(layout, table), chunkIndex);
  }

  write(io: ChunkWrite): Promise<WriteRsp> {
    const checksum = crc32c(io.data);
    rememberBulkChecksum(io.data, checksum); // the transport's bulk checksum is the same: hash once
    return this.atHead(io.chainId, (stub, chain, tag) =>
      stub.write({ chunkId: io.chunkId, chainId: chain.chainId, chainVer: chain.chainVersion, offset: io.offset, crc32c: checksum, tag, data: io.data }),
    );
  }

  /** Removes a chunk from every replica; removing a chunk that does not exist succeeds. */
  async remove(io: ChunkRef): Promise<void> {
    await this.atHead(io.chainId, (stub, chain, tag) => stub.remove({ chunkId: io.chunkId, chainId: chain.chainId, chainVer: chain.chainVersion, tag }));
  }

  /** Cuts a chunk to `length` bytes, or pads it with zeros (creating it when missing), on every replica. */
  truncate(io: ChunkRef & { readonly length: number }): Promise<WriteRsp> {
    return this.atHead(io.chainId, (stub, chain, tag) =>
      stub.truncate({ chunkId: io.chunkId, chainId: chain.chainId, chainVer: chain.chainVersion, length: io.length, tag }),
    );
  }

  /**
   * Runs an update at the chain's head with a dedup tag of its own: one channel per update in flight, its seqnum
   * bumped per update and kept across retries, so the head applies a retried update once.
   */
  private async atHead<T>(chainId: ChainId, call: (stub: ServiceStub<StorageServiceDef>, chain: ChainInfo, tag: UpdateTag) => Promise<T>): Promise<T> {
    const channel = this.freeChannels.pop() ?? this.nextChannel++;
    const seqnum = (this.seqnums.get(channel) ?? 0) + 1;
    this.seqnums.set(channel, seqnum);
    const tag: UpdateTag = { clientId: this.clientId, channel, seqnum };
    try {
      return await this.withRetries(chainId, (routing, chain) => {
        const head = chain.targets[0];
        if (head === undefined || head.publicState !== 'SERVING') throw noTarget(chain, 'a SERVING head');
        return call(this.stub(routing, head.targetId), chain, tag);
      });
    } finally {
      this.freeChannels.push(channel);
    }
  }

  read(io: ChunkRead): Promise<ChunkReadResult> {
    const { into, ...where } = io;
    let notCommitted = false;
    return this.withRetries(io.chainId, async (routing, chain) => {
      const serving = chain.targets.filter((t) => t.publicState === 'SERVING');
      if (serving.length === 0) throw noTarget(chain, 'a SERVING replica');
      // A replica with a write in flight says "not committed"; the tail commits first, so ask it next.
      const target = notCommitted ? serving[serving.length - 1]! : serving[this.readCursor++ % serving.length]!;
      let rsp: ReadRsp;
      try {
        rsp = await this.stub(routing, target.targetId).read({ ...where, chainVer: chain.chainVersion }, into === undefined ? {} : { bulkInto: into });
      } catch (err) {
        notCommitted = err instanceof FirepondError && err.code === 'STORAGE_NOT_COMMITTED';
        throw err;
      }
      // The bytes as they arrived (no copy); their CRC32C is known when the transport just verified them.
      const raw = rsp.data ?? new Uint8Array(0);
      const data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      if ((knownBulkChecksum(raw) ?? crc32c(data)) !== rsp.crc32c >>> 0) {
        throw StorageError.CHECKSUM_MISMATCH(`read from target ${target.targetId} arrived corrupted`, { context: { targetId: target.targetId } });
      }
      return { data, crc32c: rsp.crc32c >>> 0, commitVer: rsp.commitVer, chunkLength: rsp.chunkLength };
    });
  }

  /** The last chunk of an inode on one chain (ask every chain of the file for its length). */
  queryLastChunk(chainId: ChainId, inodeId: bigint): Promise<QueryLastChunkRsp> {
    return this.withRetries(chainId, (routing, chain) => {
      const serving = chain.targets.find((t) => t.publicState === 'SERVING');
      if (serving === undefined) throw noTarget(chain, 'a SERVING replica');
      return this.stub(routing, serving.targetId).queryLastChunk({ chainId, chainVer: chain.chainVersion, inodeId });
    });
  }

  batchWrite(ios: readonly ChunkWrite[]): Promise<BatchResult<WriteRsp>[]> {
    return this.batch(ios, (io) => this.write(io));
  }

  batchRead(ios: readonly ChunkRead[]): Promise<BatchResult<ChunkReadResult>[]> {
    return this.batch(ios, (io) => this.read(io));
  }

  batchRemove(ios: readonly ChunkRef[]): Promise<BatchResult<void>[]> {
    return this.batch(ios, (io) => this.remove(io));
  }

  close(): Promise<void> {
    return this.rpc.close();
  }

  private async batch<I, O>(ios: readonly I[], run: (io: I) => Promise<O>): Promise<BatchResult<O>[]> {
    const results: BatchResult<O>[] = new Array<BatchResult<O>>(ios.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < ios.length; i = next++) {
        try {
          results[i] = { ok: true, value: await run(ios[i]!) };
        } catch (err) {
          results[i] = { ok: false, error: err instanceof FirepondError ? err : GeneralError.INTERNAL(String(err), { cause: err }) };
        }
      }
    };
    const width = Math.min(ios.length, this.options.batchConcurrency ?? STORAGE_CLIENT_DEFAULTS.batchConcurrency);
    await Promise.all(Array.from({ length: width }, worker));
    return results;
  }

  private async withRetries<T>(chainId: ChainId, call: (routing: RoutingInfo, chain: ChainInfo) => Promise<T>): Promise<T> {
    const o = this.options;
    const maxAttempts = o.maxAttempts ?? STORAGE_CLIENT_DEFAULTS.maxAttempts;
    let routing = o.routing.current();
    for (let attempt = 1; ; attempt++) {
      try {
        let chain = findChain(routing, chainId);
        if (chain === null) {
          routing = await o.routing.refresh();
          chain = findChain(routing, chainId);
        }
        if (chain === null) throw StorageError.ROUTING_ERROR(`chain ${chainId} is not in routing v${routing.version}`, { context: { chainId } });
        return await call(routing, chain);
      } catch (err) {
        const verdict = retryVerdict(err);
        if (verdict === 'give-up' || attempt >= maxAttempts) throw err;
        await sleep(backoffDelay(attempt - 1, o.backoffBaseMs ?? STORAGE_CLIENT_DEFAULTS.backoffBaseMs, o.backoffCapMs ?? STORAGE_CLIENT_DEFAULTS.backoffCapMs));
        // mgmtd may be failing over or away for a while: keep the routing we hold and let the next attempt decide.
        routing = verdict === 'refresh' ? await o.routing.refresh().catch(() => o.routing.current()) : o.routing.current();
      }
    }
  }

  private stub(routing: RoutingInfo, targetId: TargetId): ServiceStub<StorageServiceDef> {
    const address = targetAddress(routing, targetId);
    const key = `${address.host}:${address.port}`;
    let stub = this.stubs.get(key);
    if (stub === undefined) {
      stub = createStub(this.rpc, StorageService, address);
      this.stubs.set(key, stub);
    }
    return stub;
  }
}

function noTarget(chain: ChainInfo, what: string): FirepondError {
  return StorageError.ROUTING_ERROR(`chain ${chain.chainId} v${chain.chainVersion} has no ${what}`, {
    context: { chainId: chain.chainId, chainVersion: chain.chainVersion },
  });
}
