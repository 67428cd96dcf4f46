/**
 * Serializes the mutations of one chunk: each computes its new record from the one before, and the copy-on-write
 * base content must not change underneath it. CRAQ holds its own per-chunk lock at the head; this one keeps the
 * engine correct on its own (resync, GC, tests). Reads take no lock.
 */
export class ChunkLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async withLock<T>(key: string, run: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let unlock!: () => void;
    const mine = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await run();
    } finally {
      unlock();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  get held(): number {
    return this.tails.size;
  }
}
