/**
 * The CRAQ per-chunk lock: held by a replica from staging an update through forwarding it to committing it, so
 * updates of one chunk pass each hop in one order. (The chunk engine's own lock covers single engine calls only.)
 */
export class ChunkLock {
  private readonly tails = new Map<string, Promise<void>>();

  async with<T>(key: string, run: () => Promise<T>): Promise<T> {
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
}

export function chunkLockKey(targetId: number, chunkId: Uint8Array): string {
  return `${targetId}/${Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.byteLength).toString('hex')}`;
}
