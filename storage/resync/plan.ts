import type { WireChunkMeta } from '../protocol.ts';

export interface ResyncPlan {
  /** Chunks only the syncing target holds: removed first. */
  readonly remove: readonly Uint8Array[];
  /** Chunks the syncing target lacks or holds differently: sent whole, committed. */
  readonly full: readonly Uint8Array[];
}

/**
 * What a sync source sends a SYNCING successor, from both chunk-meta dumps (any order):
 * - remove: chunks the target holds that hold nothing committed here (absent, or only an uncommitted version: a
 *   write whose round failed; the target must not keep older content of a chunk this side does not serve);
 * - full: chunks committed here that the target lacks, holds uncommitted, or holds with another committed version,
 *   length or checksum.
 * The source's own pending versions are not its business here: writes in flight reach the target through the chain
 * (as whole chunks, the successor being SYNCING), and `syncSuccessor` decides each chunk again under its lock.
 *
 * 3FS declares some differences fatal (a target committed at a newer chain version than the source); we let the
 * source win, as its data is what the chain serves.
 */
export function planResync(source: readonly WireChunkMeta[], target: readonly WireChunkMeta[]): ResyncPlan {
  const hex = (id: Uint8Array): string => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
  const theirs = new Map(target.map((m) => [hex(m.chunkId), m]));
  const committedHere = new Set(source.filter((m) => m.commitVer > 0).map((m) => hex(m.chunkId)));
  const full: Uint8Array[] = [];
  for (const mine of source) {
    if (mine.commitVer === 0) continue;
    const other = theirs.get(hex(mine.chunkId));
    const same =
      other !== undefined &&
      other.state === 'COMMIT' &&
      other.commitVer === mine.commitVer &&
      other.length === mine.length &&
      other.crc32c === mine.crc32c;
    if (!same) full.push(mine.chunkId);
  }
  const remove = target.filter((m) => !committedHere.has(hex(m.chunkId))).map((m) => m.chunkId);
  return { remove, full };
}
