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

/** Pooled buffers are aligned for direct I/O: each starts on a boundary of this many bytes. */
export const POOL_ALIGNMENT = 64 * 1024;

/**
 * For a pooled buffer's view as handed out (`lease.bytes`) whose memory is aligned for direct I/O, the bytes its
 * buffer holds from the view's start (its capacity, a multiple of `POOL_ALIGNMENT`): a transfer may round its
 * length up within them. Null for anything else.
 */
export function alignedCapacity(bytes: Uint8Array): number | null {
  if (!leases.has(bytes)) return null;
  return alignedPieces.get(bytes.buffer)?.get(bytes.byteOffset) ?? null;
}

/** Per aligned memory, the offsets of the pieces cut from it and their capacities. */
const alignedPieces = new WeakMap<ArrayBufferLike, Map<number, number>>();

/** Aligned pieces come from memories of about this size, so few memories (each reserves address space) exist. */
const SLAB_BYTES = 16 * 1024 * 1024;

/** After a memory could not be had, plain buffers are used until then (Date.now() ms) rather than trying per call. */
let alignedUnavailableUntil = 0;

/**
 * Buffers of `capacity` bytes aligned to a page, cut from one new memory of at most `maxBytes` (more when one
 * buffer needs it; Node cannot ask malloc for alignment;
 * WebAssembly memories are page-aligned mappings of 64 KiB pages). Direct I/O (O_DIRECT) needs such buffers.
 * Where no such memory can be had (an address-space limit, say) it returns one plain buffer, which then moves
 * through the page cache.
 */
function alignedBuffers(capacity: number, maxBytes: number): Buffer[] {
  const count = Math.max(1, Math.floor(Math.min(SLAB_BYTES, maxBytes) / capacity));
  const pages = Math.ceil((count * capacity) / POOL_ALIGNMENT);
  let memory: ArrayBuffer | null = null;
  if (Date.now() >= alignedUnavailableUntil) {
    try {
      memory = new WasmMemory({ initial: pages, maximum: pages }).buffer;
    } catch {
      alignedUnavailableUntil = Date.now() + 10_000;
    }
  }
  if (memory === null) return [Buffer.allocUnsafeSlow(capacity)];
  const pieces = new Map<number, number>();
  alignedPieces.set(memory, pieces);
  return Array.from({ length: count }, (_, i) => {
    pieces.set(i * capacity, capacity);
    return Buffer.from(memory, i * capacity, capacity);
  });
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
    let list = this.free.get(capacity);
    if (list === undefined) this.free.set(capacity, (list = []));
    if (list.length === 0) {
      // A new memory's pieces all join the free list, so later acquires of this size are served from it.
      for (const piece of alignedBuffers(capacity, o.maxIdleBytes)) {
        list.push(piece);
        this.idleBytes += capacity;
      }
    }
    this.idleBytes -= capacity;
    return this.lease(list.pop()!, length, capacity);
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
