import type { FirepondError } from '../errors.ts';
import { RpcError } from '../errors.ts';
import type { QueuedFrame } from './connection.ts';

/** Whoever holds a call right now (the pool's waiting list, then a connection's pending map). */
export interface CallOwner {
  release(call: OutgoingCall): void;
}

export interface OutgoingCallSpec {
  /** `service.method`, for errors and metrics. */
  readonly label: string;
  readonly peer: string;
  readonly serviceId: number;
  readonly methodId: number;
  readonly body: Buffer;
  readonly bulk: Uint8Array | null;
  readonly responseBulk: string | null;
  /** Where the reply's bulk is received when it fits (see `CallOptions.bulkInto`). */
  readonly bulkInto: Uint8Array | null;
  /** null: no deadline. */
  readonly timeoutMs: number | null;
}

/**
 * One client call from submission to settlement. Its deadline covers everything: waiting for a connection slot,
 * the queue, the wire and the handler. Settling (reply, error, deadline, close) happens once, and releases the call
 * from its owner, so a timed-out call frees its in-flight slot and an unsent frame of it is never written. A reply
 * that arrives later finds no pending call and is dropped.
 */
export class OutgoingCall {
  owner: CallOwner | null = null;
  queued: QueuedFrame | null = null;
  requestId = 0;
  /** Fault injection: the reply, when it comes, is ignored. */
  ignoreReply = false;
  private settled = false;
  private readonly timer: NodeJS.Timeout | null;
  private readonly startedAt = performance.now();

  constructor(
    readonly spec: OutgoingCallSpec,
    private readonly onSuccess: (value: unknown) => void,
    private readonly onFailure: (error: FirepondError) => void,
  ) {
    this.timer =
      spec.timeoutMs === null ? null : setTimeout(() => this.fail(RpcError.TIMEOUT(spec.label, spec.peer, spec.timeoutMs ?? 0)), spec.timeoutMs);
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** What is left of the deadline, for the request header (0 = none). */
  remainingMs(): number {
    if (this.spec.timeoutMs === null) return 0;
    return Math.max(1, this.spec.timeoutMs - (performance.now() - this.startedAt));
  }

  succeed(value: unknown): void {
    if (this.settle()) this.onSuccess(value);
  }

  fail(error: FirepondError): void {
    if (this.settle()) this.onFailure(error);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.queued !== null) this.queued.cancelled = true;
    const owner = this.owner;
    this.owner = null;
    owner?.release(this);
    return true;
  }
}
