/**
 * The storage service: CRAQ chains over chunk engines. Other folders import from this file only.
 */
export { StorageClient, STORAGE_CLIENT_DEFAULTS } from './client.ts';
export type { BatchResult, ChunkRead, ChunkReadResult, ChunkRef, ChunkWrite, StorageClientOptions } from './client.ts';
export { StorageService } from './protocol.ts';
export type {
  ApplyFullReq,
  ApplyRemoveReq,
  ApplyRsp,
  DumpChunkMetaReq,
  DumpChunkMetaRsp,
  FullChunk,
  QueryLastChunkReq,
  QueryLastChunkRsp,
  ReadReq,
  RemoveReq,
  TruncateReq,
  ReadRsp,
  StorageServiceDef,
  SyncDoneReq,
  SyncDoneRsp,
  UpdateReq,
  UpdateRsp,
  UpdateTag,
  WireChunkMeta,
  WriteReq,
  WriteRsp,
} from './protocol.ts';
export { MgmtdRoutingSource } from './mgmtd-routing-source.ts';
export { planResync } from './resync/plan.ts';
export type { ResyncPlan } from './resync/plan.ts';
export { StaticRoutingSource } from './routing-source.ts';
export type { RoutingSource } from './routing-source.ts';
export { STORAGE_SERVER_DEFAULTS, StorageServer } from './server.ts';
export type { StorageFaults, StorageServerOptions } from './server.ts';
export type { LocalTarget, TargetSpec } from './target-registry.ts';
