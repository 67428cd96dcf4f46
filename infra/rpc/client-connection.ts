import { connect } from 'node:net';
import { FirepondError, GeneralError, RpcError } from '../errors.ts';
import { formatAddress } from './address.ts';
import type { RpcAddress } from './address.ts';
import { AUTH_METHOD_ID, authRequestFrame, clientProof, HANDSHAKE_MAX_FRAME_SIZE, HELLO_METHOD_ID, newNonce, parseHello, proofMatches, serverProof } from './auth.ts';
import type { ClusterSecret } from './auth.ts';
import type { CallOwner, OutgoingCall } from './client-call.ts';
import { decodeBody, joinBulk } from './codec.ts';
import { FramedSocket } from './connection.ts';
import { HEADER_SIZE, isResponse } from './frame.ts';
import type { Frame, FrameHeader } from './frame.ts';
import type { BulkDestination } from './frame-decoder.ts';
import { connectWithReadBuffer } from './read-buffer.ts';
import type { RpcLogger } from './logger.ts';
import type { MetricsRegistry } from './metrics.ts';
import { TRANSPORT_SERVICE_ID } from './service.ts';
import { decodeError } from './wire-error.ts';

export interface ClientConnectionOptions {
  readonly secret: ClusterSecret | null;
  readonly maxFrameSize: number;
  readonly connectTimeoutMs: number;
  /** 0: read the usual way; else into one reused buffer of this size. */
  readonly readBufferBytes: number;
  readonly metrics: MetricsRegistry;
  readonly logger: RpcLogger;
}

export interface ClientConnectionEvents {
  onReady(connection: ClientConnection): void;
  /** `reason` is what calls waiting for this connection should fail with. */
  onClosed(connection: ClientConnection, reason: FirepondError, wasReady: boolean): void;
  onSlotFreed(connection: ClientConnection): void;
}

/**
 * The client's side of one connection:
 *
 *   hello ──HELLO──▶ auth ──AUTH ok, server proof checked──▶ ready ──▶ closed
 *     └──── refused, timeout, bad frame, socket error ───────────────▶ closed
 *
 * Calls are multiplexed by request id; `pending` holds those sent and not yet answered (the pool caps its size).
 */
export class ClientConnection implements CallOwner {
  readonly peer: string;
  private state: 'hello' | 'auth' | 'ready' | 'closed' = 'hello';
  private readonly framed: FramedSocket;
  private readonly pending = new Map<number, OutgoingCall>();
  private readonly clientNonce = newNonce();
  private serverNonce: Uint8Array | null = null;
  private connectTimer: NodeJS.Timeout | null;
  private nextRequestId = 1;

  constructor(
    address: RpcAddress,
    private readonly options: ClientConnectionOptions,
    private readonly events: ClientConnectionEvents,
  ) {
    this.peer = formatAddress(address);
    const readsIntoBuffer = options.readBufferBytes > 0;
    const socket = readsIntoBuffer
      ? connectWithReadBuffer(address.host, address.port, options.readBufferBytes, () => (bytes) => this.framed.receiveTransient(bytes))
      : connect({ host: address.host, port: address.port });
    this.framed = new FramedSocket(socket, {
      peer: this.peer,
      readsIntoBuffer,
      bulkDestinations: (header) => this.bulkDestination(header),
      maxFrameSize: HANDSHAKE_MAX_FRAME_SIZE,
      onFrame: (frame) => this.onFrame(frame),
      onClose: (reason) => this.onClose(reason),
    });
    this.connectTimer = setTimeout(
      () => this.framed.destroy(GeneralError.SERVER_UNAVAILABLE(`no handshake with ${this.peer} within ${options.connectTimeoutMs} ms`)),
      options.connectTimeoutMs,
    );
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get queuedFrames(): number {
    return this.framed.queuedFrames;
  }

  start(call: OutgoingCall): void {
    const requestId = this.nextRequestId++;
    call.requestId = requestId;
    call.owner = this;
    this.pending.set(requestId, call);
    const { spec } = call;
    call.queued = this.framed.send({
      flags: 0,
      serviceId: spec.serviceId,
      methodId: spec.methodId,
      status: 0,
      requestId,
      timeoutMs: call.remainingMs(),
      body: spec.body,
      bulk: spec.bulk,
    });
    this.options.metrics.increment('rpc.client.bytes_out', { method: spec.label }, HEADER_SIZE + spec.body.length + (spec.bulk?.length ?? 0));
  }

  release(call: OutgoingCall): void {
    if (this.pending.get(call.requestId) !== call) return;
    this.pending.delete(call.requestId);
    this.events.onSlotFreed(this);
  }

  close(reason: FirepondError): void {
    this.framed.destroy(reason);
  }

  /** A reply whose call asked for its bulk in a buffer of its own (`bulkInto`), while that call still waits for it. */
  private bulkDestination(header: FrameHeader): BulkDestination | null {
    if (this.state !== 'ready' || !isResponse(header) || header.status !== 0) return null;
    const call = this.pending.get(header.requestId);
    const into = call?.spec.bulkInto ?? null;
    if (call === undefined || into === null) return null;
    // A view of its own per call: the checksum the transport records for the received bulk belongs to this view,
    // never to the caller's buffer, which the caller may change and send on its own later.
    return { bytes: into.subarray(0), wanted: () => !call.isSettled && !call.ignoreReply && this.pending.get(header.requestId) === call };
  }

  private onFrame(frame: Frame): void {
    if (this.state !== 'ready') return this.onHandshake(frame);
    const { header } = frame;
    if (!isResponse(header)) throw RpcError.BAD_FRAME('request frame sent to a client');
    const call = this.pending.get(header.requestId);
    if (call === undefined) {
      // The call timed out (or was never ours); its reply has nowhere to go.
      this.options.metrics.increment('rpc.client.late_replies');
      return;
    }
    const labels = { method: call.spec.label };
    this.options.metrics.increment('rpc.client.bytes_in', labels, HEADER_SIZE + header.bodyLength + header.bulkLength);
    if (call.ignoreReply || frame.discarded === true) return;
    if (header.status !== 0) return call.fail(decodeError(header.status, frame.body, this.peer));
    try {
      call.succeed(joinBulk(decodeBody(frame.body), call.spec.responseBulk, frame.bulk));
    } catch (err) {
      call.fail(err instanceof FirepondError ? err : RpcError.BAD_FRAME(String(err)));
    }
  }

  // hello: the server's nonce arrives; answer with our nonce and proof.
  // auth:  the server accepted us and proved it holds the secret too.
  private onHandshake(frame: Frame): void {
    const { header } = frame;
    if (header.serviceId !== TRANSPORT_SERVICE_ID) throw RpcError.BAD_FRAME('call frame before the handshake finished');
    if (this.state === 'hello') {
      if (isResponse(header) || header.methodId !== HELLO_METHOD_ID) throw RpcError.BAD_FRAME('expected HELLO');
      const hello = parseHello(decodeBody(frame.body));
      if (hello === null) throw RpcError.BAD_FRAME('malformed HELLO');
      this.serverNonce = hello.nonce;
      this.state = 'auth';
      const proof = this.options.secret === null ? null : clientProof(this.options.secret, hello.nonce, this.clientNonce);
      this.framed.send(authRequestFrame(this.clientNonce, proof));
      return;
    }
    if (!isResponse(header) || header.methodId !== AUTH_METHOD_ID) throw RpcError.BAD_FRAME('expected the AUTH response');
    if (header.status !== 0) {
      const refusal = decodeError(header.status, frame.body, this.peer);
      return this.framed.destroy(refusal.code === 'RPC_AUTH_FAILED' ? refusal : RpcError.AUTH_FAILED(this.peer, refusal.message));
    }
    const answer = decodeBody(frame.body) as { proof?: unknown } | null;
    const expected = this.options.secret === null ? null : serverProof(this.options.secret, this.serverNonce!, this.clientNonce);
    if (expected === null || !proofMatches(expected, answer?.proof)) {
      return this.framed.destroy(RpcError.AUTH_FAILED(this.peer, 'the server did not prove it holds the cluster secret'));
    }
    this.clearConnectTimer();
    this.state = 'ready';
    this.framed.setMaxFrameSize(this.options.maxFrameSize);
    this.events.onReady(this);
  }

  private onClose(reason: FirepondError): void {
    this.clearConnectTimer();
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    if (reason.code === 'RPC_BAD_FRAME' || reason.code === 'RPC_AUTH_FAILED') {
      this.options.logger.warn(`closing connection to ${this.peer}: ${reason.message}`, { peer: this.peer, code: reason.code });
    }
    // Before the handshake: a refused or unreachable server. After: a lost connection, retryable by the caller.
    let failure = reason;
    if (!wasReady && reason.code === 'RPC_CONNECTION_CLOSED') {
      failure = GeneralError.SERVER_UNAVAILABLE(`cannot connect to ${this.peer}: ${reason.message}`, { cause: reason });
    } else if (wasReady && reason.code !== 'RPC_CONNECTION_CLOSED') {
      failure = RpcError.CONNECTION_CLOSED(this.peer, reason.message, reason);
    }
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) {
      call.owner = null;
      call.fail(failure);
    }
    this.events.onClosed(this, failure, wasReady);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }
}
