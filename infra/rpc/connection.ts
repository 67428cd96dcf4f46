import type { Socket } from 'node:net';
import { FirepondError, RpcError } from '../errors.ts';
import { encodeHeader, HEADER_SIZE } from './frame.ts';
import type { Frame, OutgoingFrame } from './frame.ts';
import { leaseOf } from './buffer-pool.ts';
import { FrameDecoder } from './frame-decoder.ts';
import type { BulkDestinations } from './frame-decoder.ts';

export interface FramedSocketOptions {
  readonly maxFrameSize: number;
  /** How logs and errors name the other end; the socket's remote address when omitted. */
  readonly peer?: string;
  /** Called for each checked frame while reading is not paused. A throw closes the connection. */
  readonly onFrame: (frame: Frame) => void;
  /** Called once, with why the connection ended (RPC_BAD_FRAME, RPC_CONNECTION_CLOSED, ...). */
  readonly onClose: (reason: FirepondError) => void;
  /** Called after frames left the outgoing queue (the owner may resume reading). */
  readonly onQueueShrunk?: () => void;
  /** Where frames' bulk sections go (replies read into the caller's buffer); a buffer of their own by default. */
  readonly bulkDestinations?: BulkDestinations;
  /**
   * The socket reads into a reused buffer (see read-buffer.ts) and its owner passes each read to `receiveTransient`;
   * otherwise this listens for 'data'.
   */
  readonly readsIntoBuffer?: boolean;
}

/** A frame waiting in the outgoing queue; `cancel` keeps it from being written if it has not been yet. */
export interface QueuedFrame {
  readonly frame: OutgoingFrame;
  cancelled: boolean;
}

/**
 * Frames over one socket, shared by both ends. Owns the decoder, an outgoing queue, and read pausing.
 *
 * Writing: frames wait in `queue` and are handed to the socket one by one while `socket.write` returns true; after
 * a false the writer waits for 'drain'. So the socket's own buffer holds at most one frame beyond its high-water
 * mark, and everything else waits here where the owner can count it (`queuedFrames`) and bound it: the server stops
 * reading requests while too many are outstanding, the client caps calls in flight.
 *
 * Reading: `pauseReading(reason)` stops the socket and stops dispatching frames already received; reading resumes
 * when every reason has been lifted.
 */
export class FramedSocket {
  readonly peer: string;
  private readonly decoder: FrameDecoder;
  private readonly queue: QueuedFrame[] = [];
  private readonly pauseReasons = new Set<string>();
  private waitingForDrain = false;
  private ending = false;
  private closeReason: FirepondError | null = null;
  private pumping = false;
  private pumpAgain = false;
  private flushScheduled = false;
  private bytesReceived = 0;
  private bytesSent = 0;

  constructor(
    private readonly socket: Socket,
    private readonly options: FramedSocketOptions,
  ) {
    this.peer = options.peer ?? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.decoder = new FrameDecoder(options.maxFrameSize, options.bulkDestinations ?? null);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    if (options.readsIntoBuffer !== true) socket.on('data', (chunk: Buffer) => this.receive(chunk, false));
    socket.on('drain', () => {
      this.waitingForDrain = false;
      this.flush();
    });
    socket.on('error', (err) => this.destroy(RpcError.CONNECTION_CLOSED(this.peer, err.message, err)));
    socket.on('close', () => this.destroy(RpcError.CONNECTION_CLOSED(this.peer, 'closed by peer')));
  }

  get closed(): boolean {
    return this.closeReason !== null;
  }

  /** Frames queued but not yet handed to the socket. */
  get queuedFrames(): number {
    return this.queue.length;
  }

  get readingPaused(): boolean {
    return this.pauseReasons.size > 0 || this.ending;
  }

  /** Bytes received but not yet dispatched as frames. */
  get bufferedBytes(): number {
    return this.decoder.bufferedBytes;
  }

  get totalBytesReceived(): number {
    return this.bytesReceived;
  }

  get totalBytesSent(): number {
    return this.bytesSent;
  }

  setMaxFrameSize(bytes: number): void {
    this.decoder.setMaxFrameSize(bytes);
  }

  /** One read's bytes from a socket reading into a reused buffer: dispatched now, the rest copied before returning. */
  receiveTransient(bytes: Buffer): void {
    this.receive(bytes, true);
  }

  private receive(chunk: Buffer, transient: boolean): void {
    if (this.closed || this.ending) return; // after end(), input is read only to see the peer's FIN
    this.bytesReceived += chunk.length;
    this.decoder.push(chunk, transient);
    this.pump();
    if (transient) this.decoder.retain();
  }

  /**
   * Queues a frame. A bulk handed out by a BufferPool is held (one more holder of its lease) until the frame is
   * written or dropped, so its sender may release its own hold meanwhile.
   */
  send(outgoing: OutgoingFrame): QueuedFrame {
    const lease = leaseOf(outgoing.bulk);
    let frame = outgoing;
    if (lease !== undefined) {
      const releaseHold = lease.retain();
      frame = { ...outgoing, written: () => (outgoing.written?.(), releaseHold()) };
    }
    const item: QueuedFrame = { frame, cancelled: this.closed || this.ending };
    if (item.cancelled) {
      frame.written?.();
      return item;
    }
    this.queue.push(item);
    this.scheduleFlush();
    return item;
  }

  pauseReading(reason: string): void {
    if (this.pauseReasons.size === 0 && !this.closed && !this.ending) this.socket.pause();
    this.pauseReasons.add(reason);
  }

  resumeReading(reason: string): void {
    if (!this.pauseReasons.delete(reason) || this.pauseReasons.size > 0 || this.closed || this.ending) return;
    this.pump();
    if (this.pauseReasons.size === 0 && !this.closed && !this.ending) this.socket.resume();
  }

  /**
   * Stops dispatching, writes what is queued, then closes gracefully. The socket keeps reading (and discarding) so
   * that the peer's FIN is seen and the socket really closes; a paused socket would wait forever.
   */
  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.socket.resume();
    if (this.queue.length === 0) this.socket.end();
  }

  /** Closes at once; queued frames are dropped. The first reason wins and is what `onClose` sees. */
  destroy(reason: FirepondError): void {
    if (this.closeReason !== null) return;
    this.closeReason = reason;
    const dropped = this.queue.splice(0);
    for (const item of dropped) {
      item.cancelled = true;
      item.frame.written?.();
    }
    this.socket.destroy();
    this.options.onClose(reason);
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true; // a frame handler resumed reading; the outer loop picks up where it is
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (this.pauseReasons.size === 0 && !this.closed && !this.ending) {
          const frame = this.decoder.next();
          if (frame === null) break;
          this.options.onFrame(frame);
        }
      } while (this.pumpAgain && this.pauseReasons.size === 0 && !this.closed && !this.ending);
    } catch (err) {
      this.destroy(err instanceof FirepondError ? err : RpcError.BAD_FRAME(`frame handler failed: ${(err as Error).message}`));
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Frames sent during one turn of the event loop go out together at its end (setImmediate runs right after the
   * loop has handled every socket that was ready): the socket is corked around all of them, so replies to requests
   * that arrived together, or a burst of calls, cost one writev rather than one each. On loopback TCP a send also
   * runs the receiver's network stack, which made the writev per frame the client's largest single cost.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      try {
        this.flush();
      } catch (err) {
        // Nobody is on the stack to see it: the connection fails its calls instead of the process crashing.
        this.destroy(err instanceof FirepondError ? err : RpcError.CONNECTION_CLOSED(this.peer, `sending failed: ${(err as Error)?.message ?? String(err)}`));
      }
    });
  }

  private flush(): void {
    let shrunk = false;
    this.socket.cork();
    try {
      while (this.queue.length > 0 && !this.waitingForDrain && !this.closed) {
        const item = this.queue.shift()!;
        shrunk = true;
        if (item.cancelled) {
          item.frame.written?.();
          continue;
        }
        if (!this.write(item.frame)) this.waitingForDrain = true;
      }
    } finally {
      this.socket.uncork();
    }
    if (this.ending && this.queue.length === 0 && !this.closed) this.socket.end();
    if (shrunk && !this.closed) this.options.onQueueShrunk?.();
  }

  /** Header, body and bulk go out as one corked write (one writev, no copy of the bulk); false means wait for drain. */
  private write(frame: OutgoingFrame): boolean {
    const header = encodeHeader(frame);
    this.bytesSent += HEADER_SIZE + frame.body.length + (frame.bulk?.length ?? 0);
    const callback = frame.written; // on the last write: called once the whole frame is in the kernel's hands
    this.socket.cork();
    const hasBody = frame.body.length > 0;
    const hasBulk = frame.bulk !== null && frame.bulk.length > 0;
    let ok = this.socket.write(header, hasBody || hasBulk ? undefined : callback);
    if (hasBody) ok = this.socket.write(frame.body, hasBulk ? undefined : callback);
    if (hasBulk) ok = this.socket.write(frame.bulk, callback);
    this.socket.uncork();
    return ok;
  }
}
