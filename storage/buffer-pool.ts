/**
 * Buffers that outlive a call but not by much (a read's content, held until its reply is written), reused instead
 * of allocated per call. Every fresh buffer outside the JS heap counts towards V8's external memory, and V8 answers
 * each 64 MiB of it with a full mark-compact: at a few hundred MiB/s of reads, several per second.
 *
 * A lease is a new view of a pooled buffer, released once; whoever holds the view must not touch it after release.
 * A lease never released is simply collected, so a forgotten release costs an allocation, never correctness.
 */
export interface PooledBuffer {
  /** Exactly the requested length. */
  readonly bytes: Buffer;
  /** Gives the buffer back; later calls do nothing. */
  release(): void;
}

export const BUFFER_POOL_DEFAULTS = {
  /** Free buffers kept, in bytes, across all sizes. */
  maxIdleBytes: 64 * 1024 * 1024,
  /** Requests above this get a buffer of their own, not pooled. */
  maxPooledBytes: 16 * 1024 * 1024,
  /** The smallest capacity handed out; capacities are powers of two from here. */
  minCapacity: 64 * 1024,
} as const;

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private idleBytes = 0;

  constructor(private readonly options: Partial<typeof BUFFER_POOL_DEFAULTS> = {}) {}

  /** Bytes of free buffers waiting for reuse. */
  get idle(): number {
    return this.idleBytes;
  }

  acquire(length: number): PooledBuffer {
    const o = { ...BUFFER_POOL_DEFAULTS, ...this.options };
    if (length > o.maxPooledBytes) return { bytes: Buffer.allocUnsafe(length), release: () => undefined };
    const capacity = Math.max(o.minCapacity, 2 ** Math.ceil(Math.log2(Math.max(1, length))));
    const buffer = this.free.get(capacity)?.pop();
    if (buffer !== undefined) this.idleBytes -= capacity;
    const backing = buffer ?? Buffer.allocUnsafeSlow(capacity);
    let released = false;
    return {
      bytes: backing.subarray(0, length),
      release: () => {
        if (released) return;
        released = true;
        if (this.idleBytes + capacity > o.maxIdleBytes) return;
        this.idleBytes += capacity;
        let list = this.free.get(capacity);
        if (list === undefined) this.free.set(capacity, (list = []));
        list.push(backing);
      },
    };
  }
}
