/**
 * Counters of one chunk engine, dotted per service (STYLE rule 13). A storage server reads `snapshot()` into its
 * metrics registry; tests read single values.
 */
export const CHUNK_ENGINE_COUNTERS = [
  'storage.chunk.writes',
  'storage.chunk.write_bytes',
  'storage.chunk.truncates',
  'storage.chunk.removes',
  'storage.chunk.commits',
  'storage.chunk.stale_updates',
  'storage.chunk.apply_full',
  'storage.chunk.reads',
  'storage.chunk.read_bytes',
  'storage.chunk.checksum_failures',
  'storage.chunk.slots_allocated',
  'storage.chunk.slots_freed',
  /** Slot bytes written and read with O_DIRECT (the rest went through the page cache). */
  'storage.chunk.direct_write_bytes',
  'storage.chunk.direct_read_bytes',
] as const;

export type ChunkEngineCounter = (typeof CHUNK_ENGINE_COUNTERS)[number];

export class ChunkEngineMetrics {
  private readonly values = new Map<ChunkEngineCounter, number>(CHUNK_ENGINE_COUNTERS.map((name) => [name, 0]));

  increment(name: ChunkEngineCounter, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  get(name: ChunkEngineCounter): number {
    return this.values.get(name) ?? 0;
  }

  snapshot(): Record<ChunkEngineCounter, number> {
    return Object.fromEntries(this.values) as Record<ChunkEngineCounter, number>;
  }
}
