/**
 * The cluster manager's pure core: the routing model, the chain state machine, chain-table generation and file
 * placement. No I/O here; the mgmtd server, its KV store and its client build on these. Other folders import from
 * this file only.
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
export { chainIdOfChunk, chunkIndexAt, fileChainIds } from './placement/file-layout.ts';
export type { FileLayout } from './placement/file-layout.ts';
export { MAX_STRIPE, seededPermutation } from './placement/seeded-permutation.ts';
export { CHUNK_ID_BYTES, chunkIdRange, decodeChunkId, encodeChunkId, MAX_CHUNK_INDEX, MAX_INODE_ID } from './placement/chunk-id.ts';
export type { DecodedChunkId } from './placement/chunk-id.ts';
