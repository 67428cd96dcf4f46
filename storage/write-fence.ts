import { StorageError } from '../infra/errors.ts';

/**
 * Storage fencing (3FS has none; ARCHITECTURE §4 asks for it): mgmtd declares a silent node failed after its failure
 * interval and the chain moves on without it, so a node that has not heard from mgmtd for half that interval stops
 * taking writes before anyone could have replaced it. Reads stay open: a fenced replica still holds committed data.
 *
 *   const fence = new WriteFence();
 *   const sentAt = Date.now(); const rsp = await mgmtd.heartbeat(req); fence.renew(sentAt, rsp.failureIntervalMs);
 *   fence.check('a write');   // STORAGE_FENCED once half the interval has passed since `sentAt`
 */
export class WriteFence {
  /** When the last heartbeat that mgmtd answered was sent (its send time: the conservative end). */
  private contactMs: number | null = null;
  private failureIntervalMs = 0;

  constructor(private readonly clock: () => number = Date.now) {}

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
    const since = this.contactMs === null ? 'has not reached mgmtd yet' : `has not reached mgmtd for ${this.clock() - this.contactMs} ms`;
    throw StorageError.FENCED(`${what} is refused: this storage node ${since} (writes stop after half the ${this.failureIntervalMs} ms failure interval)`, {
      context: { lastContactMs: this.contactMs, failureIntervalMs: this.failureIntervalMs },
    });
  }
}
