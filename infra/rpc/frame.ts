/**
 * One frame = a fixed 48-byte header, then the body (codec bytes), then the bulk section (raw bytes, never copied
 * into the codec). All integers are big-endian.
 *
 *   offset size field
 *        0    4 magic        0x46505243 ("FPRC"): rejects random bytes before any length is trusted
 *        4    1 version      1
 *        5    1 flags        bit 0 RESPONSE, bit 1 HAS_BULK; other bits must be 0
 *        6    2 serviceId    0 is the transport itself (handshake)
 *        8    2 methodId
 *       10    2 reserved     must be 0
 *       12    4 status       0 = ok, else the error catalogue number (responses only)
 *       16    8 requestId    matches a response to its request; below 2^53 so it stays a JS number
 *       24    4 timeoutMs    the caller's remaining budget (requests; 0 = none)
 *       28    4 bodyLength
 *       32    4 bulkLength   0 unless HAS_BULK
 *       36    4 bodyCrc      CRC32C of the body
 *       40    4 bulkCrc      CRC32C of the bulk section
 *       44    4 headerCrc    CRC32C of bytes 0..43
 *
 * The header checksum is verified before the lengths are believed, and bodyLength + bulkLength must not exceed the
 * receiver's maximum frame size, so a corrupt or hostile header never makes us allocate.
 */
import { crc32c } from '@node-rs/crc32';
import { RpcError } from '../errors.ts';

export const FRAME_MAGIC = 0x46505243;
export const FRAME_VERSION = 1;
export const HEADER_SIZE = 48;

export const FrameFlag = { RESPONSE: 0x01, HAS_BULK: 0x02 } as const;
const KNOWN_FLAGS = FrameFlag.RESPONSE | FrameFlag.HAS_BULK;

/** requestId is carried in 8 bytes but kept below 2^53; the high word therefore fits in 21 bits. */
const MAX_REQUEST_ID_HIGH = 0x1f_ffff;
const TWO_POW_32 = 0x1_0000_0000;

/** The fields a sender chooses; lengths and checksums are derived. */
export interface FrameFields {
  readonly flags: number;
  readonly serviceId: number;
  readonly methodId: number;
  readonly status: number;
  readonly requestId: number;
  readonly timeoutMs: number;
}

export interface FrameHeader extends FrameFields {
  readonly bodyLength: number;
  readonly bulkLength: number;
  readonly bodyCrc: number;
  readonly bulkCrc: number;
}

/** A received frame whose checksums have been verified. `bulk` is null unless HAS_BULK is set. */
export interface Frame {
  readonly header: FrameHeader;
  readonly body: Buffer;
  readonly bulk: Buffer | null;
  /** The bulk went to a `BulkDestination` that its receiver gave up while it arrived; it was skipped, unchecked. */
  readonly discarded?: true;
}

/** A frame to send: the header is built from these at write time. */
export interface OutgoingFrame extends FrameFields {
  readonly body: Uint8Array;
  readonly bulk: Uint8Array | null;
  /**
   * Called once the frame's bytes are in the kernel's hands, or once it is clear they never will be (cancelled,
   * connection closed): from then on the sender may reuse `bulk`.
   */
  readonly written?: () => void;
}

export function isResponse(header: FrameFields): boolean {
  return (header.flags & FrameFlag.RESPONSE) !== 0;
}

/**
 * CRC32C values of byte arrays that were checked just now, by the array object: a bulk section this process
 * received and verified (which a storage node forwards down its chain as it is), or content a caller verified
 * against its stored checksum (`rememberBulkChecksum`). Sending such an array takes its checksum from here instead
 * of hashing a MiB again.
 *
 * The entry belongs to the object, not its bytes: whoever changes the bytes afterwards sends a frame whose bulk
 * fails the receiver's check (RPC_BAD_FRAME), never one with a checksum made up to match. Nobody does today.
 */
const knownBulkCrcs = new WeakMap<Uint8Array, number>();

/** Records that `bytes` has CRC32C `crc`, checked by the caller; a later send of the same object reuses it. */
export function rememberBulkChecksum(bytes: Uint8Array, crc: number): void {
  knownBulkCrcs.set(bytes, crc >>> 0);
}

/**
 * The CRC32C of `bytes` if this process checked it just now: a bulk section received and verified against its frame
 * checksum, or an array passed to `rememberBulkChecksum`; undefined otherwise (then hash it).
 */
export function knownBulkChecksum(bytes: Uint8Array): number | undefined {
  return knownBulkCrcs.get(bytes);
}

function bulkChecksum(bulk: Uint8Array): number {
  return knownBulkCrcs.get(bulk) ?? crc32c(bulk);
}

/** Builds the 48-byte header for `frame`, computing lengths and all three checksums. */
export function encodeHeader(frame: OutgoingFrame): Buffer {
  const hasBulk = frame.bulk !== null;
  const flags = (frame.flags & ~FrameFlag.HAS_BULK) | (hasBulk ? FrameFlag.HAS_BULK : 0);
  const header = Buffer.allocUnsafe(HEADER_SIZE);
  header.writeUInt32BE(FRAME_MAGIC, 0);
  header.writeUInt8(FRAME_VERSION, 4);
  header.writeUInt8(flags, 5);
  header.writeUInt16BE(frame.serviceId, 6);
  header.writeUInt16BE(frame.methodId, 8);
  header.writeUInt16BE(0, 10);
  header.writeUInt32BE(frame.status, 12);
  header.writeUInt32BE(Math.floor(frame.requestId / TWO_POW_32), 16);
  header.writeUInt32BE(frame.requestId % TWO_POW_32, 20);
  header.writeUInt32BE(Math.min(Math.max(0, Math.ceil(frame.timeoutMs)), 0xffff_ffff), 24);
  header.writeUInt32BE(frame.body.length, 28);
  header.writeUInt32BE(hasBulk ? frame.bulk.length : 0, 32);
  header.writeUInt32BE(crc32c(frame.body), 36);
  header.writeUInt32BE(hasBulk ? bulkChecksum(frame.bulk) : 0, 40);
  header.writeUInt32BE(crc32c(header.subarray(0, HEADER_SIZE - 4)), HEADER_SIZE - 4);
  return header;
}

/** Parses and checks a header; throws RPC_BAD_FRAME with the reason. `raw` must hold HEADER_SIZE bytes. */
export function decodeHeader(raw: Buffer, maxFrameSize: number): FrameHeader {
  const magic = raw.readUInt32BE(0);
  if (magic !== FRAME_MAGIC) throw RpcError.BAD_FRAME(`bad magic 0x${magic.toString(16).padStart(8, '0')}`);
  const headerCrc = raw.readUInt32BE(HEADER_SIZE - 4);
  if (crc32c(raw.subarray(0, HEADER_SIZE - 4)) !== headerCrc) throw RpcError.BAD_FRAME('header checksum mismatch');
  const version = raw.readUInt8(4);
  if (version !== FRAME_VERSION) throw RpcError.BAD_FRAME(`unsupported version ${version}`, { version });
  const flags = raw.readUInt8(5);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw RpcError.BAD_FRAME(`unknown flags 0x${flags.toString(16)}`);
  if (raw.readUInt16BE(10) !== 0) throw RpcError.BAD_FRAME('reserved field is not zero');
  const requestIdHigh = raw.readUInt32BE(16);
  if (requestIdHigh > MAX_REQUEST_ID_HIGH) throw RpcError.BAD_FRAME('request id above 2^53');
  const bodyLength = raw.readUInt32BE(28);
  const bulkLength = raw.readUInt32BE(32);
  if ((flags & FrameFlag.HAS_BULK) === 0 && bulkLength !== 0) throw RpcError.BAD_FRAME('bulk length without HAS_BULK');
  if (bodyLength + bulkLength > maxFrameSize) {
    throw RpcError.BAD_FRAME(`frame of ${bodyLength + bulkLength} bytes exceeds the maximum ${maxFrameSize}`, { bodyLength, bulkLength, maxFrameSize });
  }
  return {
    flags,
    serviceId: raw.readUInt16BE(6),
    methodId: raw.readUInt16BE(8),
    status: raw.readUInt32BE(12),
    requestId: requestIdHigh * TWO_POW_32 + raw.readUInt32BE(20),
    timeoutMs: raw.readUInt32BE(24),
    bodyLength,
    bulkLength,
    bodyCrc: raw.readUInt32BE(36),
    bulkCrc: raw.readUInt32BE(40),
  };
}

/**
 * Checks a received frame's body and bulk against the header's checksums; throws RPC_BAD_FRAME on a mismatch. A
 * `discarded` bulk (its receiver gave it up while it arrived) is not checked and comes out as null.
 */
export function verifyFrame(header: FrameHeader, body: Buffer, bulk: Buffer | null, discarded = false): Frame {
  if (crc32c(body) !== header.bodyCrc) throw RpcError.BAD_FRAME('body checksum mismatch');
  if (discarded) return { header, body, bulk: null, discarded: true };
  if ((header.flags & FrameFlag.HAS_BULK) === 0 || bulk === null) return { header, body, bulk: null };
  if (crc32c(bulk) !== header.bulkCrc) throw RpcError.BAD_FRAME('bulk checksum mismatch');
  knownBulkCrcs.set(bulk, header.bulkCrc);
  return { header, body, bulk };
}
