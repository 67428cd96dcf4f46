/**
 * The getRoutingInfo long-polls parked on one mgmtd. Each waits until the routing version moves (`wakeAll` after a
 * commit that bumped it), its time is up, or its call is abandoned (the connection closed); losing the lease and
 * shutting down also `wakeAll`, and the woken handler then answers with the reason.
 */
export class RoutingWaiters {
  private readonly waiting = new Set<() => void>();

  /** Resolves after `ms`, when `signal` aborts, or at the next `wakeAll()`, whichever comes first. Never rejects. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiting.add(done);
    });
  }

  wakeAll(): void {
    for (const done of [...this.waiting]) done();
  }

  /** How many calls are parked (tests, metrics). */
  get size(): number {
    return this.waiting.size;
  }
}
