/**
 * The chunk engine's data model. A chunk holds at most two versions: the committed one (what reads return) and at
 * most one pending one (written, not yet committed by the chain). Versions are u32 like 3FS's ChunkVer.
 *
 *   write/replace/truncate/remove ──▶ PENDING (committed version still readable) ──commit──▶ COMMIT
 *                                        │ a newer update with the same or a higher updateVer replaces it
 */
export type ChunkId = Uint8Array;

/** Slot `index` of data file `file` of size class `sizeClass` (an index into the target's size classes). */
export interface SlotAddress {
  readonly sizeClass: number;
  readonly file: number;
  readonly index: number;
}

export type ChunkState = 'COMMIT' | 'PENDING';

/** WRITE: new content (from write, replace or truncate). REMOVE: a tombstone; committing it deletes the chunk. */
export type PendingKind = 'WRITE' | 'REMOVE';

export interface PendingVersion {
  readonly kind: PendingKind;
  readonly updateVer: number;
  readonly chainVer: number;
  readonly length: number;
  readonly crc32c: number;
  /** null for a tombstone and for empty content. */
  readonly slot: SlotAddress | null;
}

/** What the engine stores per chunk. `length`, `crc32c` and `slot` describe the committed version. */
export interface ChunkRecord {
  /** 0 when nothing was committed yet. */
  readonly commitVer: number;
  readonly commitChainVer: number;
  readonly length: number;
  readonly crc32c: number;
  /** null when the committed content is empty. */
  readonly slot: SlotAddress | null;
  readonly pending: PendingVersion | null;
}

/** A chunk's metadata as listed, dumped for resync, or returned by updates. */
export interface ChunkMeta extends ChunkRecord {
  readonly chunkId: ChunkId;
  readonly state: ChunkState;
  /** The newest version: the pending one if any, else commitVer. */
  readonly updateVer: number;
  /** The chain version of the newest version. */
  readonly chainVer: number;
}

export interface WriteRequest {
  readonly offset: number;
  readonly data: Uint8Array;
  /** CRC32C of `data`, computed by the writer; checked before anything is stored. */
  readonly crc32c: number;
  readonly updateVer: number;
  readonly chainVer: number;
}

/** A full-chunk pending write: `data` becomes the whole content (CRAQ forwards writes to a syncing target so). */
export interface ReplaceRequest {
  readonly data: Uint8Array;
  readonly crc32c: number;
  readonly updateVer: number;
  readonly chainVer: number;
}

export interface TruncateRequest {
  /** Shrinks, or extends with zeros. */
  readonly length: number;
  readonly updateVer: number;
  readonly chainVer: number;
}

export interface RemoveRequest {
  readonly updateVer: number;
  readonly chainVer: number;
}

export interface CommitRequest {
  readonly updateVer: number;
}

/** A committed full-chunk write from a resync source: installed at once, replacing every local version. */
export interface ApplyFullRequest {
  readonly data: Uint8Array;
  readonly crc32c: number;
  readonly commitVer: number;
  readonly chainVer: number;
}

export interface ReadRequest {
  readonly offset: number;
  readonly length: number;
  /**
   * Hands out the buffer the chunk's content is read into (called again if the read is retried on a newer
   * version; the earlier buffer then holds nothing of the result). A new buffer per read by default.
   */
  readonly into?: (length: number) => Buffer;
}

/**
 * PENDING: the update is stored as the pending version. STALE: `updateVer` is not newer than the committed version
 * (a retried or duplicate update), nothing changed; CRAQ treats it as success.
 */
export interface UpdateResult {
  readonly outcome: 'PENDING' | 'STALE';
  /** null when the chunk does not exist (a remove of a missing chunk). */
  readonly meta: ChunkMeta | null;
}

/** STALE: that version (or a newer one) is already committed, or the chunk is gone after a committed remove. */
export interface CommitResult {
  readonly outcome: 'COMMITTED' | 'STALE';
  /** null after a committed remove. */
  readonly meta: ChunkMeta | null;
}

/**
 * The committed content only. `state` PENDING (updateVer > commitVer) tells the CRAQ layer an update is in flight,
 * so it can answer "not committed" instead of possibly stale data.
 */
export interface ReadResult {
  readonly data: Buffer;
  /** CRC32C of `data` (equals the chunk's checksum for a whole-chunk read). */
  readonly crc32c: number;
  readonly chunkLength: number;
  readonly commitVer: number;
  readonly updateVer: number;
  readonly chainVer: number;
  readonly state: ChunkState;
}

export interface ListChunksRequest {
  /** Inclusive; null starts at the first chunk. */
  readonly begin: ChunkId | null;
  /** Exclusive; null runs to the last chunk. */
  readonly end: ChunkId | null;
  /** null for no limit. */
  readonly limit: number | null;
}

export interface SpaceInfo {
  /** null when only the disk bounds the target. */
  readonly capacityBytes: number | null;
  /** Bytes of slots holding committed or pending versions, or reserved by writes in flight. */
  readonly usedBytes: number;
  /** Bytes the data files have grown to. */
  readonly fileBytes: number;
}
