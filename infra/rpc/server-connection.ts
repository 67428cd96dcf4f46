import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FirepondError, GeneralError, RpcError } from '../errors.ts';
import { AUTH_METHOD_ID, clientProof, HANDSHAKE_MAX_FRAME_SIZE, HELLO_METHOD_ID, AUTH_PROTOCOL, newNonce, parseAuthReq, proofMatches, serverProof } from './auth.ts';
import type { ClusterSecret } from './auth.ts';
import { decodeBody, encodeBody, joinBulk, splitBulk } from './codec.ts';
import { FramedSocket } from './connection.ts';
import type { RpcFaults } from './faults.ts';
import { FrameFlag, HEADER_SIZE, isResponse } from './frame.ts';
import type { Frame, FrameHeader } from './frame.ts';
import type { BulkDestination } from './frame-decoder.ts';
import type { BufferPool, PooledBuffer } from './buffer-pool.ts';
import type { RpcLogger } from './logger.ts';
import type { MetricsRegistry } from './metrics.ts';
import { TRANSPORT_SERVICE_ID } from './service.ts';
import type { AnyMethod, CallContext } from './service.ts';
import { encodeError } from './wire-error.ts';

/** A registered handler, found by (service id, method id). */
export interface RegisteredMethod {
  readonly service: string;
  readonly method: string;
  readonly def: AnyMethod;
  readonly handler: (request: unknown, context: CallContext) => unknown;
  /** The handler is done with the request's bulk when it settles: the bulk is received into a pooled buffer. */
  readonly lendsRequestBulk: boolean;
}

export interface ServerConnectionDeps {
  readonly secret: ClusterSecret;
  readonly lookup: (serviceId: number, methodId: number) => RegisteredMethod | null;
  readonly logger: RpcLogger;
  readonly metrics: MetricsRegistry;
  readonly faults: RpcFaults | null;
  /** Where request bulks of lending methods are received. */
  readonly bulkPool: BufferPool;
  readonly maxFrameSize: number;
  readonly maxOutstanding: number;
  readonly handshakeTimeoutMs: number;
  readonly onClosed: (connection: ServerConnection) => void;
}

export interface ServerConnectionStats {
  readonly peer: string;
  readonly state: 'handshake' | 'ready' | 'draining' | 'closed';
  readonly running: number;
  readonly queuedFrames: number;
  readonly readingPaused: boolean;
  /** 'buffer': the socket reads into one reused buffer; 'stream': a new buffer per read. */
  readonly reads: 'buffer' | 'stream';
  readonly bufferedBytes: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
}

/**
 * The server's side of one connection:
 *
 *   handshake ──valid AUTH──▶ ready ──server close──▶ draining ──idle──▶ closed
 *       └──────── bad proof, bad frame, timeout, peer gone ──────────────▶ closed
 *
 * Back-pressure: a connection has at most `maxOutstanding` calls that are running or whose responses wait in the
 * outgoing queue. At the limit it stops reading the socket, so a client that sends faster than handlers finish, or
 * that stops reading its responses, is held back by TCP instead of growing our memory.
 *
 * Unknown service or method ids are answered with RPC_UNKNOWN_METHOD and the connection stays open: the frame passed
 * its checksums, so the stream is in sync, and a newer client talking to an older server gets a clean error. A
 * checked frame whose body does not decode is answered with RPC_BAD_FRAME for the same reason. Everything that
 * breaks framing (magic, checksums, lengths, versions, flags) closes the connection with a logged reason.
 */
export class ServerConnection {
  private readonly framed: FramedSocket;
  private readonly serverNonce = newNonce();
  private state: ServerConnectionStats['state'] = 'handshake';
  private handshakeTimer: NodeJS.Timeout | null;
  private running = 0;
  private readonly controllers = new Set<CallAbort>();
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  /** The pooled buffer the frame being received has its bulk read into, until that frame is dispatched. */
  private incomingLease: PooledBuffer | null = null;

  /** `readsIntoBuffer`: the socket reads into a reused buffer and its reads come in through `receiveTransient`. */
  constructor(
    socket: Socket,
    private readonly readsIntoBuffer: boolean,
    private readonly deps: ServerConnectionDeps,
  ) {
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.framed = new FramedSocket(socket, {
      readsIntoBuffer,
      bulkDestinations: (header) => this.bulkDestination(header),
      maxFrameSize: HANDSHAKE_MAX_FRAME_SIZE,
      onFrame: (frame) => this.onFrame(frame),
      onClose: (reason) => this.onClose(reason),
      onQueueShrunk: () => this.updateReading(),
    });
    this.handshakeTimer = setTimeout(() => this.refuse('handshake not completed in time', null), deps.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    this.framed.send({
      flags: 0,
      serviceId: TRANSPORT_SERVICE_ID,
      methodId: HELLO_METHOD_ID,
      status: 0,
      requestId: 0,
      timeoutMs: 0,
      body: encodeBody({ protocol: AUTH_PROTOCOL, nonce: this.serverNonce }),
      bulk: null,
    });
  }

  get peer(): string {
    return this.framed.peer;
  }

  /** One read's bytes, from a socket reading into a reused buffer. */
  receiveTransient(bytes: Buffer): void {
    this.framed.receiveTransient(bytes);
  }

  stats(): ServerConnectionStats {
    return {
      peer: this.peer,
      state: this.state,
      running: this.running,
      queuedFrames: this.framed.queuedFrames,
      readingPaused: this.framed.readingPaused,
      reads: this.readsIntoBuffer ? 'buffer' : 'stream',
      bufferedBytes: this.framed.bufferedBytes,
      bytesReceived: this.framed.totalBytesReceived,
      bytesSent: this.framed.totalBytesSent,
    };
  }

  /** Stops taking calls, lets running ones finish and their replies go out, then closes. Resolves once closed. */
  drain(): Promise<void> {
    if (this.state === 'handshake') this.framed.destroy(RpcError.CONNECTION_CLOSED(this.peer, 'server shutting down'));
    if (this.state === 'ready') {
      this.state = 'draining';
      this.framed.pauseReading('draining');
      this.endIfDrained();
    }
    return this.closedPromise;
  }

  /** Fails running calls (their signals abort) and closes at once. */
  abort(reason: FirepondError): void {
    this.framed.destroy(reason);
  }

  /** A request to a method that lends its bulk is received into a pooled buffer, released once its handler settles. */
  private bulkDestination(header: FrameHeader): BulkDestination | null {
    this.incomingLease?.release();
    this.incomingLease = null;
    if (this.state !== 'ready' || isResponse(header)) return null;
    if (this.deps.lookup(header.serviceId, header.methodId)?.lendsRequestBulk !== true) return null;
    const lease = this.deps.bulkPool.acquire(header.bulkLength);
    this.incomingLease = lease;
    return { bytes: lease.bytes, wanted: () => true };
  }

  private onFrame(frame: Frame): void {
    const lease = this.incomingLease;
    this.incomingLease = null;
    try {
      this.onCheckedFrame(frame, lease);
    } catch (err) {
      lease?.release();
      throw err;
    }
  }

  private onCheckedFrame(frame: Frame, lease: PooledBuffer | null): void {
    const { header } = frame;
    if (lease !== null && frame.bulk !== lease.bytes) {
      lease.release(); // not this frame's (it had no bulk after all)
      lease = null;
    }
    if (this.state === 'handshake') return this.onHandshake(frame);
    if (isResponse(header)) throw RpcError.BAD_FRAME('response frame sent to a server');
    if (header.serviceId === TRANSPORT_SERVICE_ID) throw RpcError.BAD_FRAME('handshake frame after authentication');
    this.dispatch(frame, lease);
  }

  // 1. Only an AUTH request is accepted; anything else is a call before authentication.
  // 2. The proof must be the HMAC of our nonce and theirs under the cluster secret.
  // 3. Answer with our own proof, then lift the frame size limit.
  private onHandshake(frame: Frame): void {
    const { header } = frame;
    if (isResponse(header) || header.serviceId !== TRANSPORT_SERVICE_ID || header.methodId !== AUTH_METHOD_ID) {
      return this.refuse('call before authentication (no handshake)', header);
    }
    let auth;
    try {
      auth = parseAuthReq(decodeBody(frame.body));
    } catch {
      auth = null;
    }
    if (auth === null) return this.refuse('malformed authentication request', header);
    if (auth.proof === null) return this.refuse('no proof of the cluster secret presented (missing secret)', header);
    if (!proofMatches(clientProof(this.deps.secret, this.serverNonce, auth.nonce), auth.proof)) {
      return this.refuse('wrong cluster secret', header);
    }
    this.clearHandshakeTimer();
    this.state = 'ready';
    this.framed.setMaxFrameSize(this.deps.maxFrameSize);
    this.deps.metrics.increment('rpc.server.connections');
    this.sendResponse(header, 0, encodeBody({ proof: serverProof(this.deps.secret, this.serverNonce, auth.nonce) }), null);
  }

  private refuse(reason: string, header: FrameHeader | null): void {
    if (this.framed.closed || this.state !== 'handshake') return;
    this.clearHandshakeTimer();
    this.deps.logger.warn(`refused connection from ${this.peer}: ${reason}`, { peer: this.peer, code: 'RPC_AUTH_FAILED', reason });
    this.deps.metrics.increment('rpc.server.auth_failures');
    const error = encodeError(RpcError.AUTH_FAILED(this.peer, reason));
    this.sendResponse(header ?? { serviceId: TRANSPORT_SERVICE_ID, methodId: AUTH_METHOD_ID, requestId: 0 }, error.status, error.body, null);
    this.framed.end();
    // A peer that never closes its side must not hold the socket open.
    setTimeout(() => this.framed.destroy(RpcError.AUTH_FAILED(this.peer, reason)), this.deps.handshakeTimeoutMs).unref();
  }

  /** `lease`: the pooled buffer holding the request's bulk, released here once the handler settled (or never runs). */
  private dispatch(frame: Frame, lease: PooledBuffer | null): void {
    const { header } = frame;
    const target = this.deps.lookup(header.serviceId, header.methodId);
    if (target === null) {
      lease?.release();
      this.deps.logger.warn(`unknown method ${header.serviceId}/${header.methodId} from ${this.peer}`, { peer: this.peer });
      this.deps.metrics.increment('rpc.server.unknown_methods');
      const error = encodeError(RpcError.UNKNOWN_METHOD(header.serviceId, header.methodId));
      return this.sendResponse(header, error.status, error.body, null);
    }
    const labels = { method: `${target.service}.${target.method}` };
    this.deps.metrics.increment('rpc.server.bytes_in', labels, HEADER_SIZE + header.bodyLength + header.bulkLength);
    let request: unknown;
    try {
      request = joinBulk(decodeBody(frame.body), target.def.requestBulk, frame.bulk);
    } catch (err) {
      const reason = err instanceof FirepondError ? err : RpcError.BAD_FRAME(String(err));
      this.deps.logger.warn(`bad request body for ${labels.method} from ${this.peer}: ${reason.message}`, { peer: this.peer });
      this.deps.metrics.increment('rpc.server.requests', { ...labels, status: reason.code });
      lease?.release();
      const error = encodeError(reason);
      return this.sendResponse(header, error.status, error.body, null);
    }
    this.running += 1;
    this.updateReading();
    this.run(target, header, request)
      .catch((err: unknown) => {
        // run() turns every handler failure into a reply; reaching here is our own bug. Keep the process alive.
        this.deps.logger.warn(`call ${labels.method} from ${this.peer} failed in the transport: ${String(err)}`, { peer: this.peer });
        this.abort(RpcError.CONNECTION_CLOSED(this.peer, 'transport error'));
      })
      .finally(() => {
        lease?.release();
        this.running -= 1;
        this.updateReading();
      });
  }

  /** Runs one handler and sends its reply. Never rejects: every failure becomes an error reply. */
  private async run(target: RegisteredMethod, header: FrameHeader, request: unknown): Promise<void> {
    const labels = { method: `${target.service}.${target.method}` };
    const started = performance.now();
    const controller = new CallAbort();
    this.controllers.add(controller);
    const releases: (() => void)[] = [];
    let replySent = false;
    let status = 'OK';
    try {
      const fault = this.deps.faults?.decide({ side: 'server', service: target.service, method: target.method, peer: this.peer }) ?? null;
      if (fault?.kind === 'drop') {
        status = 'DROPPED';
        return;
      }
      if (fault?.kind === 'delay') await sleep(fault.ms, undefined, { signal: controller.signal }).catch(() => undefined);
      if (controller.aborted) {
        status = 'ABORTED'; // the connection went away during the delay; nobody is waiting for the reply
        return;
      }
      let reply: { status: number; body: Buffer; bulk: Uint8Array | null };
      try {
        if (fault?.kind === 'fail') throw fault.error;
        const context: CallContext = {
          service: target.service,
          method: target.method,
          peer: this.peer,
          deadline: header.timeoutMs > 0 ? Date.now() + header.timeoutMs : null,
          get signal() {
            return controller.signal;
          },
          afterReply: (release) => void releases.push(release),
        };
        const response = await target.handler(request, context);
        const { body, bulk } = splitBulk(response, target.def.responseBulk);
        const size = body.length + (bulk?.length ?? 0);
        if (size > this.deps.maxFrameSize) throw GeneralError.INVALID_ARGUMENT(`reply of ${size} bytes exceeds the maximum frame size ${this.deps.maxFrameSize}`);
        reply = { status: 0, body, bulk };
      } catch (err) {
        if (!(err instanceof FirepondError)) {
          this.deps.logger.warn(`handler ${labels.method} failed: ${(err as Error)?.stack ?? String(err)}`, { peer: this.peer });
        }
        status = err instanceof FirepondError ? err.code : 'INTERNAL';
        reply = { ...encodeError(err), bulk: null };
      }
      if (fault?.kind === 'dropReply') {
        status = 'REPLY_DROPPED';
        return;
      }
      replySent = true;
      this.sendResponse(header, reply.status, reply.body, reply.bulk, releases.length === 0 ? undefined : () => runAll(releases));
      this.deps.metrics.increment('rpc.server.bytes_out', labels, HEADER_SIZE + reply.body.length + (reply.bulk?.length ?? 0));
    } finally {
      if (!replySent) runAll(releases);
      this.controllers.delete(controller);
      this.deps.metrics.increment('rpc.server.requests', { ...labels, status });
      this.deps.metrics.observe('rpc.server.latency_ms', labels, performance.now() - started);
    }
  }

  private sendResponse(
    request: Pick<FrameHeader, 'serviceId' | 'methodId' | 'requestId'>,
    status: number,
    body: Buffer,
    bulk: Uint8Array | null,
    written?: () => void,
  ): void {
    if (this.framed.closed) {
      written?.();
      return;
    }
    this.framed.send({
      flags: FrameFlag.RESPONSE,
      serviceId: request.serviceId,
      methodId: request.methodId,
      status,
      requestId: request.requestId,
      timeoutMs: 0,
      body,
      bulk,
      written,
    });
  }

  private updateReading(): void {
    if (this.framed.closed) return;
    if (this.running + this.framed.queuedFrames >= this.deps.maxOutstanding) this.framed.pauseReading('busy');
    else this.framed.resumeReading('busy');
    this.endIfDrained();
  }

  private endIfDrained(): void {
    if (this.state === 'draining' && this.running === 0 && this.framed.queuedFrames === 0) this.framed.end();
  }

  private onClose(reason: FirepondError): void {
    this.clearHandshakeTimer();
    this.incomingLease?.release();
    this.incomingLease = null;
    const wasReady = this.state === 'ready' || this.state === 'draining';
    this.state = 'closed';
    for (const controller of this.controllers) controller.abort(reason);
    if (reason.code === 'RPC_BAD_FRAME') {
      this.deps.logger.warn(`closing connection from ${this.peer}: ${reason.message}`, { peer: this.peer, code: reason.code, wasReady });
      this.deps.metrics.increment('rpc.server.bad_frames');
    }
    this.deps.onClosed(this);
    this.resolveClosed();
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }
}

/** Runs every callback once, in order, and forgets them. */
function runAll(callbacks: (() => void)[]): void {
  for (const callback of callbacks.splice(0)) callback();
}

/**
 * A call's abort signal, made only if the handler asks for it: most never do, and an AbortController per call
 * showed up in profiles of small reads. Aborting before anyone asked hands out an already aborted signal later.
 */
class CallAbort {
  private controller: AbortController | null = null;
  private reason: unknown = undefined;
  aborted = false;

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
