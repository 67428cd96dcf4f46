/**
 * The CRAQ per-chunk lock: held by a replica from staging an update through forwarding it to committing it, so
 * updates of one chunk pass each hop in one order. It is the same keyed FIFO lock the chunk engine uses for its own
 * calls (a separate instance: the engine's lock covers single engine calls only).
 */
export { ChunkLocks as ChunkLock } from './chunk-engine/chunk-locks.ts';

export function chunkLockKey(targetId: number, chunkId: Uint8Array): string {
  return `${targetId}/${Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.byteLength).toString('hex')}`;
}
