/**
 * The cluster manager: its pure core (the routing model, the chain state machine, chain-table generation and file
 * placement, no I/O), its wire protocol, the service (`Mgmtd`: lease, KV-persisted routing, heartbeats; the process
 * entry is server.ts) and the client every process uses (`MgmtdClient`). Other folders import from this file only.
 */
export type {
  ChainId,
  ChainInfo,
  ChainTable,
  ChainTableId,
  ChainTargetInfo,
  LocalTargetState,
  NodeId,
  NodeInfo,
  NodeStatus,
  NodeType,
  PublicTargetState,
  RoutingInfo,
  TargetId,
  TargetInfo,
} from './routing/types.ts';
export { LOCAL_STATES, PUBLIC_STATE_ORDER } from './routing/types.ts';
export { findChain, findChainTable, findNode, findTarget } from './routing/lookup.ts';

export { nextChain } from './state-machine/next-chain.ts';
export type { ChainStep, LocalStates, TargetTransition } from './state-machine/next-chain.ts';
export { REPAIRS, SETTLE_ROW, TRANSITIONS } from './state-machine/transition-table.ts';
export type { RepairRow, TransitionGuard, TransitionRow } from './state-machine/transition-table.ts';
export { advanceRoutingInfo } from './state-machine/advance-routing-info.ts';
export type { RoutingStep } from './state-machine/advance-routing-info.ts';
export { rotateLastSrv } from './state-machine/rotate-last-srv.ts';
export { chainViolations } from './state-machine/chain-invariants.ts';
export { formatTargets, parseLocalStates, parseTargets } from './state-machine/chain-notation.ts';

export { chainIdOf, generateChainTable, MAX_CHAINS_PER_TABLE, MAX_TARGETS_PER_NODE, targetIdOf } from './placement/generate-chain-table.ts';
export type { ChainTableSpec, GeneratedChainTable } from './placement/generate-chain-table.ts';
export { describePlacement } from './placement/describe-placement.ts';
export type { ChainPlacement, NodePlacement } from './placement/describe-placement.ts';
export { chainIdOfChunk, chunkIndexAt, fileChainIds } from './placement/file-layout.ts';
export type { FileLayout } from './placement/file-layout.ts';
export { MAX_STRIPE, seededPermutation } from './placement/seeded-permutation.ts';
export { CHUNK_ID_BYTES, chunkIdRange, decodeChunkId, encodeChunkId, MAX_CHUNK_INDEX, MAX_INODE_ID } from './placement/chunk-id.ts';
export type { DecodedChunkId } from './placement/chunk-id.ts';

export { MAX_ROUTING_WAIT_MS, MGMTD_SERVICE_ID, MgmtdService } from './protocol.ts';
export type {
  CreateChainTableReq,
  CreateChainTableRsp,
  GetPrimaryReq,
  GetPrimaryRsp,
  GetRoutingInfoReq,
  GetRoutingInfoRsp,
  HeartbeatReq,
  HeartbeatRsp,
  ListChainTablesRsp,
  ListChainsRsp,
  ListNodesRsp,
  ListReq,
  ListTargetsRsp,
  LocalTargetReport,
  MgmtdServiceDef,
  RegisterNodeReq,
  RegisterNodeRsp,
} from './protocol.ts';
export { MGMTD_CLIENT_DEFAULTS, MgmtdClient, parseAddress } from './client.ts';
export type { HeartbeatAck, MgmtdClientOptions } from './client.ts';
export { initChainTable, planChainTable } from './init-chain-table.ts';
export type { ChainTablePlan, InitChainTableOptions, InitChainTableResult } from './init-chain-table.ts';
export { Mgmtd, MGMTD_DEFAULTS } from './service/mgmtd.ts';
export type { MgmtdOptions } from './service/mgmtd.ts';
export type { LeaseStatus } from './service/lease-keeper.ts';
