import { decodeHeader, HEADER_SIZE, verifyPayload } from './frame.ts';
import type { Frame, FrameHeader } from './frame.ts';

/**
 * Turns a stream of socket chunks into checked frames: `push` bytes in, pull frames out with `next` until it
 * returns null. Pulling is separate from pushing so the owner can stop dispatching (back-pressure) while bytes that
 * already arrived stay here, unparsed.
 *
 *   HEADER ──48 bytes, checked──▶ PAYLOAD ──body+bulk bytes, checksums──▶ HEADER
 *
 * A payload that is already buffered inside one socket chunk is handed out as a view of it (no copy); otherwise it is
 * gathered into one buffer allocated once the header has been checked, so a large bulk is copied exactly once and
 * the chunks it arrived in are released as they are consumed. Views pin their socket chunk (64 KiB at most) while
 * the receiver holds them.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  /** Read position inside chunks[0]. */
  private offset = 0;
  private buffered = 0;
  private header: FrameHeader | null = null;
  private payload: Buffer | null = null;
  private filled = 0;

  constructor(private maxFrameSize: number) {}

  /** Applies to frames whose header has not been read yet (the limit grows once a peer has authenticated). */
  setMaxFrameSize(bytes: number): void {
    this.maxFrameSize = bytes;
  }

  /** Bytes received but not yet returned as part of a frame. */
  get bufferedBytes(): number {
    return this.buffered + this.filled;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame, or null when more bytes are needed. Throws RPC_BAD_FRAME on malformed input. */
  next(): Frame | null {
    if (this.header === null) {
      if (this.buffered < HEADER_SIZE) return null;
      this.header = decodeHeader(this.take(HEADER_SIZE), this.maxFrameSize);
    }
    const header = this.header;
    const size = header.bodyLength + header.bulkLength;
    let payload: Buffer;
    if (this.payload === null && this.buffered >= size) {
      payload = this.take(size);
    } else {
      this.payload ??= Buffer.allocUnsafe(size);
      const n = Math.min(size - this.filled, this.buffered);
      this.copyInto(this.payload, this.filled, n);
      this.filled += n;
      if (this.filled < size) return null;
      payload = this.payload;
      this.payload = null;
      this.filled = 0;
    }
    this.header = null;
    return verifyPayload(header, payload);
  }

  /** `n` buffered bytes: a view when they sit in one chunk, else a copy. */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n);
      this.advance(first, n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    this.copyInto(out, 0, n);
    return out;
  }

  private copyInto(target: Buffer, at: number, n: number): void {
    let written = 0;
    while (written < n) {
      const chunk = this.chunks[0]!;
      const k = Math.min(n - written, chunk.length - this.offset);
      chunk.copy(target, at + written, this.offset, this.offset + k);
      written += k;
      this.advance(chunk, k);
    }
  }

  private advance(chunk: Buffer, n: number): void {
    this.offset += n;
    this.buffered -= n;
    if (this.offset === chunk.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}
