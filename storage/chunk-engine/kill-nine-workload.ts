/**
 * The deterministic workload of the kill -9 test, shared by the writer child and the checking parent: update `v` of
 * chunk `k` depends only on (k, v) and the content before it, so the parent can rebuild any version's content.
 */
import { KiB, cid, payload } from './test-kit.ts';
import type { ChunkId } from './types.ts';

export const KILL_NINE_CHUNKS = 6;
const MAX_BYTES = 64 * KiB;

export type WorkloadUpdate = { readonly kind: 'write'; readonly offset: number; readonly data: Buffer } | { readonly kind: 'truncate'; readonly length: number };

export function workloadChunk(k: number): ChunkId {
  return cid(60, k);
}

export function workloadUpdate(k: number, v: number, current: Buffer): WorkloadUpdate {
  let x = (k * 7919 + v * 104729) >>> 0;
  const next = (): number => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x >>> 8;
  };
  const seed = k * 100_000 + v;
  if (v === 1) return { kind: 'write', offset: 0, data: payload(seed, 1000 + (next() % 12_000)) };
  const r = next() % 10;
  if (r < 2) return { kind: 'truncate', length: next() % (current.length + 2000) };
  const offset = r < 5 ? current.length : next() % Math.max(1, current.length);
  const length = Math.min(1 + (next() % 5000), MAX_BYTES - offset);
  return length <= 0 ? { kind: 'truncate', length: 1000 } : { kind: 'write', offset, data: payload(seed, length) };
}

export function applyUpdate(current: Buffer, update: WorkloadUpdate): Buffer {
  if (update.kind === 'truncate') {
    const out = Buffer.alloc(update.length);
    current.copy(out, 0, 0, Math.min(current.length, update.length));
    return out;
  }
  const out = Buffer.alloc(Math.max(current.length, update.offset + update.data.length));
  current.copy(out);
  update.data.copy(out, update.offset);
  return out;
}

export function workloadContent(k: number, v: number): Buffer {
  let content: Buffer = Buffer.alloc(0);
  for (let i = 1; i <= v; i++) content = applyUpdate(content, workloadUpdate(k, i, content));
  return content;
}
