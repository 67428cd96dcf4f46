import { GeneralError } from '../../infra/errors.ts';
import type { ChunkRecord, PendingVersion, SlotAddress } from './types.ts';

/**
 * The LMDB value of one chunk, fixed little-endian fields:
 *
 *   0  u8   format (1)
 *   1  u8   flags: 1 committed slot · 2 pending · 4 pending is REMOVE · 8 pending slot
 *   2  u32  commitVer      6  u32 commitChainVer   10 u32 length   14 u32 crc32c
 *   18 slot (u8 class, u16 file, u32 index)                                         → 25 bytes
 *   25 u32  updateVer      29 u32 chainVer         33 u32 length   37 u32 crc32c
 *   41 slot                                                        (when pending)   → 48 bytes
 */
const FORMAT = 1;
const HAS_SLOT = 1;
const HAS_PENDING = 2;
const PENDING_REMOVE = 4;
const PENDING_HAS_SLOT = 8;
const BASE_BYTES = 25;
const PENDING_BYTES = 23;

export function encodeChunkRecord(record: ChunkRecord): Buffer {
  const { pending } = record;
  const out = Buffer.alloc(BASE_BYTES + (pending === null ? 0 : PENDING_BYTES));
  let flags = record.slot === null ? 0 : HAS_SLOT;
  out.writeUInt8(FORMAT, 0);
  out.writeUInt32LE(record.commitVer, 2);
  out.writeUInt32LE(record.commitChainVer, 6);
  out.writeUInt32LE(record.length, 10);
  out.writeUInt32LE(record.crc32c >>> 0, 14);
  writeSlot(out, 18, record.slot);
  if (pending !== null) {
    flags |= HAS_PENDING | (pending.kind === 'REMOVE' ? PENDING_REMOVE : 0) | (pending.slot === null ? 0 : PENDING_HAS_SLOT);
    out.writeUInt32LE(pending.updateVer, 25);
    out.writeUInt32LE(pending.chainVer, 29);
    out.writeUInt32LE(pending.length, 33);
    out.writeUInt32LE(pending.crc32c >>> 0, 37);
    writeSlot(out, 41, pending.slot);
  }
  out.writeUInt8(flags, 1);
  return out;
}

export function decodeChunkRecord(bytes: Uint8Array): ChunkRecord {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < BASE_BYTES || buf.readUInt8(0) !== FORMAT) {
    throw GeneralError.INTERNAL(`unreadable chunk record (${buf.length} bytes, format ${buf.length > 0 ? buf.readUInt8(0) : 'none'})`);
  }
  const flags = buf.readUInt8(1);
  let pending: PendingVersion | null = null;
  if ((flags & HAS_PENDING) !== 0) {
    if (buf.length < BASE_BYTES + PENDING_BYTES) throw GeneralError.INTERNAL(`truncated chunk record (${buf.length} bytes)`);
    pending = {
      kind: (flags & PENDING_REMOVE) !== 0 ? 'REMOVE' : 'WRITE',
      updateVer: buf.readUInt32LE(25),
      chainVer: buf.readUInt32LE(29),
      length: buf.readUInt32LE(33),
      crc32c: buf.readUInt32LE(37),
      slot: (flags & PENDING_HAS_SLOT) !== 0 ? readSlot(buf, 41) : null,
    };
  }
  return {
    commitVer: buf.readUInt32LE(2),
    commitChainVer: buf.readUInt32LE(6),
    length: buf.readUInt32LE(10),
    crc32c: buf.readUInt32LE(14),
    slot: (flags & HAS_SLOT) !== 0 ? readSlot(buf, 18) : null,
    pending,
  };
}

function writeSlot(out: Buffer, at: number, slot: SlotAddress | null): void {
  if (slot === null) return;
  out.writeUInt8(slot.sizeClass, at);
  out.writeUInt16LE(slot.file, at + 1);
  out.writeUInt32LE(slot.index, at + 3);
}

function readSlot(buf: Buffer, at: number): SlotAddress {
  return { sizeClass: buf.readUInt8(at), file: buf.readUInt16LE(at + 1), index: buf.readUInt32LE(at + 3) };
}
