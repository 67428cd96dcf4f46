/**
 * The storage service's wire protocol, shared by `StorageServer` and `StorageClient` (STYLE rule 3). Ids never
 * change once used.
 *
 *   client ──write──▶ head ──update──▶ middle ──update──▶ tail
 *   client ◀─────────  head ◀──reply─── middle ◀──reply─── tail      (a reply is the ack: each hop commits on it)
 *
 * Every request names its chain and the chain version the sender holds; a mismatch is
 * STORAGE_CHAIN_VERSION_MISMATCH and the sender refreshes routing. Chunk bytes travel as the bulk section.
 */
import { defineService, method } from '../infra/rpc/index.ts';

/** Who sent a write, for retry deduplication at the head: one write at a time per (client, channel). */
export interface UpdateTag {
  readonly clientId: string;
  readonly channel: number;
  /** Increases by one per new write on the channel; a retry repeats it. */
  readonly seqnum: number;
}

export interface WriteReq {
  readonly chunkId: Uint8Array;
  readonly chainId: number;
  readonly chainVer: number;
  readonly offset: number;
  /** CRC32C of `data`, computed by the writer; checked at every hop. */
  readonly crc32c: number;
  readonly tag: UpdateTag;
  readonly data: Uint8Array | null;
}

/** The committed version the write produced, and that whole version's length and checksum. */
export interface WriteRsp {
  readonly commitVer: number;
  readonly chunkLength: number;
  readonly chunkCrc32c: number;
}

/**
 * Head → successor. WRITE lays `data` over the committed content at `offset`; REPLACE makes `data` the whole chunk
 * (sent when the head abandoned a pending version, and always to a SYNCING successor).
 */
export interface UpdateReq {
  readonly chunkId: Uint8Array;
  readonly chainId: number;
  readonly chainVer: number;
  /** REMOVE carries no data: a tombstone, committed tail to head. */
  readonly kind: 'WRITE' | 'REPLACE' | 'REMOVE';
  /**
   * The client updates this version carries: its own, and those of a failed version it was built on (none for one
   * the head made itself to complete a failed round). Every replica remembers them, so if it becomes head, a retry
   * of one of those updates completes this version rather than applying the update a second time.
   */
  readonly tags: readonly UpdateTag[];
  readonly updateVer: number;
  readonly offset: number;
  readonly crc32c: number;
  readonly data: Uint8Array | null;
}

export type UpdateRsp = WriteRsp;

/** Client → head: remove a chunk on every replica. The reply of a remove is all zeros. */
export interface RemoveReq {
  readonly chunkId: Uint8Array;
  readonly chainId: number;
  readonly chainVer: number;
  readonly tag: UpdateTag;
}

/** Client → head: cut or zero-extend a chunk to `length` bytes (a missing chunk is created). */
export interface TruncateReq {
  readonly chunkId: Uint8Array;
  readonly chainId: number;
  readonly chainVer: number;
  readonly length: number;
  readonly tag: UpdateTag;
}

export interface ReadReq {
  readonly chunkId: Uint8Array;
  readonly chainId: number;
  readonly chainVer: number;
  readonly offset: number;
  readonly length: number;
}

export interface ReadRsp {
  readonly commitVer: number;
  readonly chunkLength: number;
  /** CRC32C of `data`; the client checks it. */
  readonly crc32c: number;
  readonly data: Uint8Array | null;
}

export interface QueryLastChunkReq {
  readonly chainId: number;
  readonly chainVer: number;
  readonly inodeId: bigint;
}

/** A chunk's versions as resync compares them (no slot addresses: those are local to a target). */
export interface WireChunkMeta {
  readonly chunkId: Uint8Array;
  readonly commitVer: number;
  readonly updateVer: number;
  readonly chainVer: number;
  readonly length: number;
  readonly crc32c: number;
  readonly state: 'COMMIT' | 'PENDING';
}

export interface QueryLastChunkRsp {
  readonly meta: WireChunkMeta | null;
}

/** Resync requests name the target they act on, and the chain version the sync source holds. */
export interface DumpChunkMetaReq {
  readonly targetId: number;
  readonly chainVer: number;
  /** Inclusive; null starts at the first chunk. Pages follow on from the last id returned. */
  readonly begin: Uint8Array | null;
  readonly limit: number;
}

export interface DumpChunkMetaRsp {
  readonly metas: readonly WireChunkMeta[];
  /** The id to pass as `begin` for the next page, or null after the last. */
  readonly next: Uint8Array | null;
}

export interface FullChunk {
  readonly chunkId: Uint8Array;
  readonly commitVer: number;
  readonly chainVer: number;
  /** Bytes of this chunk inside the request's `data`, which holds the chunks back to back. */
  readonly length: number;
  readonly crc32c: number;
}

export interface ApplyFullReq {
  readonly targetId: number;
  readonly chainVer: number;
  readonly chunks: readonly FullChunk[];
  readonly data: Uint8Array | null;
}

export interface ApplyRemoveReq {
  readonly targetId: number;
  readonly chainVer: number;
  readonly chunkIds: readonly Uint8Array[];
}

export interface ApplyRsp {
  readonly applied: number;
}

export interface SyncDoneReq {
  readonly targetId: number;
  readonly chainVer: number;
}

export interface SyncDoneRsp {
  readonly localState: 'UPTODATE' | 'ONLINE';
}

export const StorageService = defineService({
  id: 3,
  name: 'storage',
  methods: {
    write: method<WriteReq, WriteRsp>({ id: 1, requestBulk: 'data' }),
    read: method<ReadReq, ReadRsp>({ id: 2, responseBulk: 'data' }),
    update: method<UpdateReq, UpdateRsp>({ id: 3, requestBulk: 'data' }),
    queryLastChunk: method<QueryLastChunkReq, QueryLastChunkRsp>({ id: 4 }),
    dumpChunkMeta: method<DumpChunkMetaReq, DumpChunkMetaRsp>({ id: 5 }),
    applyFull: method<ApplyFullReq, ApplyRsp>({ id: 6, requestBulk: 'data' }),
    applyRemove: method<ApplyRemoveReq, ApplyRsp>({ id: 7 }),
    syncDone: method<SyncDoneReq, SyncDoneRsp>({ id: 8 }),
    remove: method<RemoveReq, WriteRsp>({ id: 9 }),
    truncate: method<TruncateReq, WriteRsp>({ id: 10 }),
  },
});

export type StorageServiceDef = typeof StorageService;
