import { StorageError } from '../infra/errors.ts';

/**
 * Storage fencing (3FS has none; ARCHITECTURE §4 asks for it): mgmtd declares a silent node failed after its failure
 * interval and the chain moves on without it, so a node that has not heard from mgmtd for half that interval stops
 * serving before anyone could have replaced it. That covers reads too: once the chain has moved on, a cut-off
 * replica's data may be older than writes acknowledged without it, and a client holding old routing would read it.
 * Times come from a monotonic clock, so a wall-clock step cannot stretch the window.
 *
 *   const fence = new WriteFence();
 *   const sentAt = fence.now(); const rsp = await mgmtd.heartbeat(req); fence.renew(sentAt, rsp.failureIntervalMs);
 *   fence.check('a write');   // STORAGE_FENCED once half the interval has passed since `sentAt`
 */
export class WriteFence {
  /** When the last heartbeat that mgmtd answered was sent (its send time: the conservative end). */
  private contactMs: number | null = null;
  private failureIntervalMs = 0;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** The fence's clock, for the send time passed to `renew`. */
  now(): number {
    return this.clock();
  }

  renew(sentAtMs: number, failureIntervalMs: number): void {
    if (this.contactMs === null || sentAtMs > this.contactMs) this.contactMs = sentAtMs;
    this.failureIntervalMs = failureIntervalMs;
  }

  /** Milliseconds of write permission left; 0 when fenced (also before the first answered heartbeat). */
  remainingMs(): number {
    if (this.contactMs === null) return 0;
    return Math.max(0, this.contactMs + this.failureIntervalMs / 2 - this.clock());
  }

  check(what: string): void {
    if (this.remainingMs() > 0) return;
    const since = this.contactMs === null ? 'has not reached mgmtd yet' : `has not reached mgmtd for ${Math.round(this.clock() - this.contactMs)} ms`;
    throw StorageError.FENCED(`${what} is refused: this storage node ${since} (it stops serving after half the ${this.failureIntervalMs} ms failure interval)`, {
      context: { lastContactMs: this.contactMs, failureIntervalMs: this.failureIntervalMs },
    });
  }
}
