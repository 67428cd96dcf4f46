/**
 * Buffers that outlive a call but not by much (a received write's payload, held until the handler is done with
 * it; a read's content, held until its reply is written), reused instead of allocated per call. Each fresh buffer
 * outside the JS heap counts as V8 external memory, and such buffers that live across I/O are promoted and freed
 * only by full mark-compacts: at a few hundred MiB/s of chunk traffic, several per second in every process.
 *
 * A lease is a new view of a pooled buffer with holders: the acquirer, and one per `retain`. Each holder's release
 * counts once, however often it is called, so one holder cannot release another's hold; the buffer goes back when
 * every holder has released. Whoever holds the view must not touch it after its own release. A lease never
 * released is simply collected, so a forgotten release costs an allocation, never correctness.
 *
 * The transport holds the lease of a frame's bulk from the moment it is queued until its bytes are in the kernel's
 * hands (`leaseOf`), so a handler may forward a pooled payload and release its own hold when it settles.
 */
export interface PooledBuffer {
  /** Exactly the requested length. */
  readonly bytes: Buffer;
  /** One more holder; returns that holder's release (calls after its first do nothing). */
  retain(): () => void;
  /** The acquirer's release (calls after its first do nothing); the last holder to release gives the buffer back. */
  release(): void;
}

export const BUFFER_POOL_DEFAULTS = {
  /** Free buffers kept, in bytes, across all sizes. */
  maxIdleBytes: 64 * 1024 * 1024,
  /** Requests above this get a buffer of their own, not pooled. */
  maxPooledBytes: 16 * 1024 * 1024,
  /** The smallest capacity handed out; capacities are powers of two from here (at least POOL_ALIGNMENT). */
  minCapacity: 64 * 1024,
} as const;

/** The lease a view was handed out under, by the view object (`lease.bytes`). */
const leases = new WeakMap<Uint8Array, PooledBuffer>();

/** Pooled buffers are aligned for direct I/O: they start on a 64 KiB boundary and hold whole 64 KiB pages. */
export const POOL_ALIGNMENT = 64 * 1024;

/**
 * Whether `bytes` is a pooled buffer's view as handed out (`lease.bytes`): it starts on a `POOL_ALIGNMENT`
 * boundary and its backing memory runs on to a multiple of that, so a direct-I/O transfer may round its length
 * up to a block without leaving the buffer.
 */
export function isAlignedPoolBuffer(bytes: Uint8Array): boolean {
  return leases.has(bytes) && bytes.byteOffset === 0 && alignedMemory.has(bytes.buffer);
}

/** The backing memory `alignedBuffer` made page-aligned. */
const alignedMemory = new WeakSet<ArrayBufferLike>();

/**
 * Memory aligned to a page (Node cannot ask malloc for alignment; WebAssembly memories are page-aligned mappings of
 * 64 KiB pages). Direct I/O (O_DIRECT) needs such buffers.
 */
function alignedBuffer(capacity: number): Buffer {
  const pages = Math.ceil(capacity / POOL_ALIGNMENT);
  let memory: ArrayBuffer;
  try {
    memory = new WasmMemory({ initial: pages, maximum: pages }).buffer;
  } catch {
    return Buffer.allocUnsafeSlow(capacity); // no memory of that kind left: unaligned, so moved through the page cache
  }
  alignedMemory.add(memory);
  return Buffer.from(memory);
}

/** The one WebAssembly API used here (the project's TypeScript libs do not declare WebAssembly). */
const WasmMemory = (globalThis as unknown as { WebAssembly: { Memory: new (size: { initial: number; maximum: number }) => { buffer: ArrayBuffer } } })
  .WebAssembly.Memory;

/** The lease whose `bytes` is exactly this object, or undefined. */
export function leaseOf(bytes: Uint8Array | null): PooledBuffer | undefined {
  return bytes === null ? undefined : leases.get(bytes);
}

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private idleBytes = 0;
  private readonly options: typeof BUFFER_POOL_DEFAULTS;

  constructor(options: Partial<typeof BUFFER_POOL_DEFAULTS> = {}) {
    this.options = { ...BUFFER_POOL_DEFAULTS, ...options };
  }

  /** Bytes of free buffers waiting for reuse. */
  get idle(): number {
    return this.idleBytes;
  }

  acquire(length: number): PooledBuffer {
    const o = this.options;
    if (length > o.maxPooledBytes) return this.lease(Buffer.allocUnsafe(length), length, 0);
    const capacity = Math.max(o.minCapacity, 2 ** Math.ceil(Math.log2(Math.max(1, length))));
    const buffer = this.free.get(capacity)?.pop();
    if (buffer !== undefined) this.idleBytes -= capacity;
    return this.lease(buffer ?? alignedBuffer(capacity), length, capacity);
  }

  /** `capacity` 0: not pooled (dropped on release). */
  private lease(backing: Buffer, length: number, capacity: number): PooledBuffer {
    let holders = 0;
    const hold = (): (() => void) => {
      if (holders === 0 && released) return () => undefined; // back in the pool already: nothing left to hold
      holders += 1;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        holders -= 1;
        if (holders === 0) {
          released = true;
          if (capacity > 0) this.giveBack(backing, capacity);
        }
      };
    };
    let released = false;
    const lease: PooledBuffer = { bytes: backing.subarray(0, length), retain: hold, release: hold() };
    leases.set(lease.bytes, lease);
    return lease;
  }

  private giveBack(backing: Buffer, capacity: number): void {
    if (this.idleBytes + capacity > this.options.maxIdleBytes) return;
    this.idleBytes += capacity;
    let list = this.free.get(capacity);
    if (list === undefined) this.free.set(capacity, (list = []));
    list.push(backing);
  }
}
