import { decodeHeader, FrameFlag, HEADER_SIZE, verifyFrame } from './frame.ts';
import type { Frame, FrameHeader } from './frame.ts';

/**
 * Where one frame's bulk section is received: a buffer the receiver chose (a reply read straight into the caller's
 * buffer) instead of one the decoder allocates.
 */
export interface BulkDestination {
  /** At least the bulk's length; the bulk lands in its first bytes. */
  readonly bytes: Uint8Array;
  /**
   * Asked before every copy into `bytes`. False once the receiver no longer wants the bulk (its call timed out, so
   * its caller may already reuse the buffer): the rest of that bulk is skipped, and the frame comes out `discarded`.
   */
  wanted(): boolean;
}

/** Called once per frame with a bulk section, when its header has been checked. */
export type BulkDestinations = (header: FrameHeader) => BulkDestination | null;

interface Chunk {
  bytes: Buffer;
  /** The bytes live in a read buffer that the socket reuses: never hand out views of them. */
  transient: boolean;
}

/**
 * Turns a stream of socket chunks into checked frames: `push` bytes in, pull frames out with `next` until it
 * returns null. Pulling is separate from pushing so the owner can stop dispatching (back-pressure) while bytes that
 * already arrived stay here, unparsed.
 *
 *   HEADER ──48 bytes, checked──▶ BODY ──bodyLength bytes──▶ BULK ──bulkLength bytes, checksums──▶ HEADER
 *
 * A body or bulk that already sits inside one (owned) chunk is handed out as a view of it; otherwise it is gathered
 * into a buffer allocated once the header has been checked (or into the frame's `BulkDestination`), so a large
 * bulk is copied exactly once and the chunks it arrived in are released as they are consumed.
 *
 * Chunks pushed as `transient` sit in a read buffer the socket fills again after its callback returns: nothing is
 * handed out as a view of them, and `retain` copies what is left of them before the callback returns.
 */
export class FrameDecoder {
  private readonly chunks: Chunk[] = [];
  /** Read position inside chunks[0]. */
  private offset = 0;
  private buffered = 0;
  private header: FrameHeader | null = null;
  /** The body, once complete (the bulk is being received). */
  private body: Buffer | null = null;
  /** Where the current section (body, then bulk) is being gathered, and how much of it arrived. */
  private gather: Uint8Array | null = null;
  private filled = 0;
  private destination: BulkDestination | null = null;
  private discarding = false;

  constructor(
    private maxFrameSize: number,
    private readonly destinations: BulkDestinations | null = null,
  ) {}

  /** Applies to frames whose header has not been read yet (the limit grows once a peer has authenticated). */
  setMaxFrameSize(bytes: number): void {
    this.maxFrameSize = bytes;
  }

  /** Bytes received but not yet returned as part of a frame. */
  get bufferedBytes(): number {
    return this.buffered + this.filled + (this.body?.length ?? 0);
  }

  push(chunk: Buffer, transient = false): void {
    if (chunk.length === 0) return;
    this.chunks.push({ bytes: chunk, transient });
    this.buffered += chunk.length;
  }

  /** Copies the unread rest of transient chunks into buffers of their own, so the read buffer can be refilled. */
  retain(): void {
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      if (!chunk.transient) continue;
      const from = i === 0 ? this.offset : 0;
      this.chunks[i] = { bytes: Buffer.from(chunk.bytes.subarray(from)), transient: false };
      if (i === 0) this.offset = 0;
    }
  }

  /** The next complete frame, or null when more bytes are needed. Throws RPC_BAD_FRAME on malformed input. */
  next(): Frame | null {
    if (this.header === null) {
      if (this.buffered < HEADER_SIZE) return null;
      const header = decodeHeader(this.take(HEADER_SIZE), this.maxFrameSize);
      this.header = header;
      const destination = header.bulkLength > 0 && this.destinations !== null ? this.destinations(header) : null;
      this.destination = destination !== null && destination.bytes.length >= header.bulkLength ? destination : null;
    }
    const header = this.header;
    if (this.body === null) {
      const body = this.section(header.bodyLength, null);
      if (body === null) return null;
      this.body = body;
    }
    let bulk: Buffer | null = null;
    if ((header.flags & FrameFlag.HAS_BULK) !== 0) {
      bulk = this.section(header.bulkLength, this.destination);
      if (bulk === null) return null;
    }
    const body = this.body;
    const discarded = this.discarding;
    this.header = null;
    this.body = null;
    this.destination = null;
    this.discarding = false;
    return verifyFrame(header, body, discarded ? null : bulk, discarded);
  }

  /**
   * The current section's `length` bytes once they have all arrived (null before): a view of one owned chunk when
   * they sit in it whole, else gathered into `destination` or a buffer of their own.
   */
  private section(length: number, destination: BulkDestination | null): Buffer | null {
    if (length === 0) return EMPTY;
    if (this.gather === null) {
      const first = this.chunks[0];
      if (destination === null && first !== undefined && !first.transient && first.bytes.length - this.offset >= length) {
        const view = first.bytes.subarray(this.offset, this.offset + length);
        this.advance(length);
        return view;
      }
      this.gather = destination?.bytes ?? Buffer.allocUnsafe(length);
      this.filled = 0;
    }
    const target = this.gather;
    while (this.filled < length && this.buffered > 0) {
      const chunk = this.chunks[0]!;
      const n = Math.min(length - this.filled, chunk.bytes.length - this.offset);
      // Asked before every copy: once the receiver gave the destination up, not one more byte goes into it.
      if (destination !== null && !this.discarding && !destination.wanted()) this.discarding = true;
      if (!this.discarding) chunk.bytes.copy(target, this.filled, this.offset, this.offset + n);
      this.filled += n;
      this.advance(n);
    }
    if (this.filled < length) return null;
    this.gather = null;
    this.filled = 0;
    return Buffer.isBuffer(target) && target.length === length ? target : Buffer.from(target.buffer, target.byteOffset, length);
  }

  /** `n` bytes for immediate parsing: a view when they sit in one chunk (transient or not), else a copy. */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.bytes.length - this.offset >= n) {
      const view = first.bytes.subarray(this.offset, this.offset + n);
      this.advance(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      const chunk = this.chunks[0]!;
      const k = Math.min(n - written, chunk.bytes.length - this.offset);
      chunk.bytes.copy(out, written, this.offset, this.offset + k);
      written += k;
      this.advance(k);
    }
    return out;
  }

  private advance(n: number): void {
    this.offset += n;
    this.buffered -= n;
    if (this.offset === this.chunks[0]!.bytes.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
