import type { ChunkId } from './types.ts';

/**
 * Fault injection (STYLE rule 11). The engine calls `step` at each point where a crash leaves distinct state on
 * disk; a hook that throws there aborts the operation with on-disk state exactly as a crash would leave it (every
 * step persists before the next starts, and `close()` writes nothing), so close + reopen simulates the crash.
 *
 *   slot-write        inside a slot's data write; an errno-style error (code ENOSPC) is handled as the disk's own
 *   metadata-write    data in its new slot (if any), metadata transaction not started; the data is durable, except
 *                     for a pending version, whose fdatasync runs alongside its transaction (stage-pending.ts)
 *   metadata-written  metadata transaction committed, the operation not yet acknowledged, freed slots not yet reusable
 *   file-grow         inside growing a data file; errno-style errors are handled as the disk's own
 *   file-grown        a data file grew by a group of slots, none handed out yet
 */
export type EngineStep = 'slot-write' | 'metadata-write' | 'metadata-written' | 'file-grow' | 'file-grown';

export type EngineOp = 'write' | 'replace' | 'truncate' | 'remove' | 'commit' | 'apply-full' | 'apply-remove' | 'grow';

export interface StepContext {
  readonly op: EngineOp;
  /** null for file growth. */
  readonly chunkId: ChunkId | null;
}

export interface ChunkEngineFaults {
  step(step: EngineStep, context: StepContext): void;
}
