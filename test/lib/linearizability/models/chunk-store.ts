/**
 * One chunk per key, as our storage service exposes it: a write installs new content (named by its version or
 * content hash), a read answers the committed content, not-found (never written), or not-committed (an update is in
 * flight and the replica will not say which version it has). A not-committed read carries no information, so it is
 * accepted in any state and changes nothing.
 *
 * Chunks are independent, so the model partitions a history by chunk id and its state is that of a single chunk:
 * the committed content, or null before the first write. Checking without `partition` would be wrong.
 */
import type { History } from '../history.ts';
import type { Model } from '../model.ts';

export type ChunkInput =
  | { readonly op: 'write'; readonly chunkId: string; readonly content: string }
  | { readonly op: 'read'; readonly chunkId: string };

/** `unknown` is the output of an operation that never returned (or failed with an unknown effect). */
export type ChunkOutput =
  | { readonly op: 'write' }
  | { readonly op: 'read'; readonly status: 'found'; readonly content: string }
  | { readonly op: 'read'; readonly status: 'not-found' }
  | { readonly op: 'read'; readonly status: 'not-committed' }
  | { readonly op: 'unknown' };

export const CHUNK_UNKNOWN: ChunkOutput = { op: 'unknown' };

/** The committed content of one chunk; null when never written. */
export type ChunkState = string | null;

export function chunkStoreModel(): Model<ChunkState, ChunkInput, ChunkOutput> {
  return {
    init: () => null,
    step(state, input, output) {
      if (input.op === 'write') return { ok: true, state: input.content };
      if (output.op === 'unknown' || output.op === 'write') return { ok: output.op === 'unknown', state };
      switch (output.status) {
        case 'not-committed':
          return { ok: true, state };
        case 'not-found':
          return { ok: state === null, state };
        case 'found':
          return { ok: state === output.content, state };
      }
    },
    equal: (a, b) => a === b,
    hash: (state) => (state === null ? '\0' : state),
    partition: partitionByChunk,
    describeOperation(input, output) {
      if (input.op === 'write') return `write(${input.chunkId}, ${input.content})`;
      const seen = output.op !== 'read' ? '?' : output.status === 'found' ? output.content : output.status;
      return `read(${input.chunkId}) -> ${seen}`;
    },
    describeState: (state) => state ?? 'not-found',
  };
}

function partitionByChunk(history: History<ChunkInput, ChunkOutput>): History<ChunkInput, ChunkOutput>[] {
  const byChunk = new Map<string, History<ChunkInput, ChunkOutput>[number][]>();
  for (const op of history) {
    const ops = byChunk.get(op.input.chunkId);
    if (ops === undefined) byChunk.set(op.input.chunkId, [op]);
    else ops.push(op);
  }
  return [...byChunk.values()];
}
