/**
 * The storage service's chunk engine: one target's chunks on local disk, copy-on-write, CRAQ versions, CRC32C.
 * Other folders import from this file only.
 */
export { ChunkEngine, DEFAULT_CHUNK_ENGINE_OPTIONS } from './chunk-engine.ts';
export type { ChunkEngineOptions } from './chunk-engine.ts';
export type { ChunkEngineFaults, EngineOp, EngineStep, StepContext } from './faults.ts';
export { DEFAULT_SIZE_CLASSES, maxChunkSize, sizeClassFor } from './layout.ts';
export type { TargetLayout } from './layout.ts';
export { CHUNK_ENGINE_COUNTERS, ChunkEngineMetrics } from './metrics.ts';
export type { ChunkEngineCounter } from './metrics.ts';
export type { RecoveryReport } from './recover.ts';
export type {
  ApplyFullRequest,
  ChunkId,
  ChunkMeta,
  ChunkRecord,
  ChunkState,
  CommitRequest,
  CommitResult,
  ListChunksRequest,
  PendingKind,
  PendingVersion,
  ReadRequest,
  ReadResult,
  RemoveRequest,
  ReplaceRequest,
  SlotAddress,
  SpaceInfo,
  TruncateRequest,
  UpdateResult,
  WriteRequest,
} from './types.ts';
