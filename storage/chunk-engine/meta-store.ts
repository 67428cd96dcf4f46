import { open, type Database, type RootDatabase } from 'lmdb';
import { decodeChunkRecord, encodeChunkRecord } from './chunk-record-codec.ts';
import type { ChunkRecord } from './types.ts';

/**
 * The target's metadata in one LMDB environment beside the data files, three named databases:
 *
 *   chunks  chunk id (12 bytes) → chunk record (chunk-record-codec.ts)
 *   slots   u8 class · u16 file · u32 group (big-endian) → allocation bitmap of that slot group (bit set = in use)
 *   info    'layout' → TargetLayout (JSON)
 *
 * Writes go through `transact`, one LMDB transaction per engine operation (lmdb-js batches the transactions of one
 * event turn into one commit). With `durable`, the returned promise resolves once the commit is synced to disk.
 */
export interface MetaTxn {
  putChunk(chunkId: Buffer, record: ChunkRecord): void;
  deleteChunk(chunkId: Buffer): void;
  putBitmap(group: GroupKey, bitmap: Uint8Array): void;
}

export interface GroupKey {
  readonly sizeClass: number;
  readonly file: number;
  readonly group: number;
}

export interface ChunkEntry {
  readonly chunkId: Buffer;
  readonly record: ChunkRecord;
}

export interface ChunkRangeQuery {
  readonly start: Buffer | null;
  readonly end: Buffer | null;
  readonly reverse: boolean;
  readonly limit: number | null;
}

export class MetaStore {
  private constructor(
    private readonly root: RootDatabase,
    private readonly chunks: Database<Buffer, Buffer>,
    private readonly slots: Database<Buffer, Buffer>,
    private readonly info: Database<unknown, string>,
  ) {}

  static open(path: string, options: { readonly durable: boolean }): MetaStore {
    // overlappingSync off: a commit promise then means "on disk", which is what acknowledging a write needs.
    const root = open({ path, noSubdir: true, maxDbs: 4, overlappingSync: false, noSync: !options.durable });
    const chunks = root.openDB<Buffer, Buffer>({ name: 'chunks', keyEncoding: 'binary', encoding: 'binary' });
    const slots = root.openDB<Buffer, Buffer>({ name: 'slots', keyEncoding: 'binary', encoding: 'binary' });
    const info = root.openDB<unknown, string>({ name: 'info', encoding: 'json' });
    return new MetaStore(root, chunks, slots, info);
  }

  getChunk(chunkId: Buffer): ChunkRecord | null {
    const value = this.chunks.get(chunkId);
    return value === undefined ? null : decodeChunkRecord(value);
  }

  /** Lazily decoded, in key order (or reverse). `start` is inclusive, `end` exclusive, in iteration order. */
  *chunkRange(query: ChunkRangeQuery): Generator<ChunkEntry> {
    const options: { start?: Buffer; end?: Buffer; reverse: boolean; limit?: number } = { reverse: query.reverse };
    if (query.start !== null) options.start = query.start;
    if (query.end !== null) options.end = query.end;
    if (query.limit !== null) options.limit = query.limit;
    for (const { key, value } of this.chunks.getRange(options)) {
      yield { chunkId: Buffer.from(key), record: decodeChunkRecord(value) };
    }
  }

  *bitmaps(): Generator<{ readonly group: GroupKey; readonly bitmap: Uint8Array }> {
    for (const { key, value } of this.slots.getRange({})) {
      yield { group: decodeGroupKey(key), bitmap: new Uint8Array(value) };
    }
  }

  readLayout(): unknown {
    return this.info.get('layout') ?? null;
  }

  async writeLayout(layout: unknown): Promise<void> {
    await this.info.put('layout', layout);
  }

  /**
   * Runs `apply` inside one write transaction. `apply` must not throw once it has written anything: lmdb-js commits
   * the writes made before a throw. Callers therefore validate first and only record inside.
   */
  async transact(apply: (txn: MetaTxn) => void): Promise<void> {
    const txn: MetaTxn = {
      putChunk: (chunkId, record) => this.chunks.putSync(chunkId, encodeChunkRecord(record)),
      deleteChunk: (chunkId) => {
        this.chunks.removeSync(chunkId);
      },
      putBitmap: (group, bitmap) => this.slots.putSync(encodeGroupKey(group), Buffer.from(bitmap)),
    };
    await this.root.transaction(() => apply(txn));
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}

export function encodeGroupKey(group: GroupKey): Buffer {
  const key = Buffer.alloc(7);
  key.writeUInt8(group.sizeClass, 0);
  key.writeUInt16BE(group.file, 1);
  key.writeUInt32BE(group.group, 3);
  return key;
}

function decodeGroupKey(key: Uint8Array): GroupKey {
  const buf = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return { sizeClass: buf.readUInt8(0), file: buf.readUInt16BE(1), group: buf.readUInt32BE(3) };
}
