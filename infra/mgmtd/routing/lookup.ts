import type { ChainId, ChainInfo, ChainTable, ChainTableId, NodeId, NodeInfo, RoutingInfo, TargetId, TargetInfo } from './types.ts';

// Linear scans: a routing snapshot holds thousands of entries at most, and a client that looks up per chunk builds
// its own index once per snapshot version.

export function findNode(routing: RoutingInfo, nodeId: NodeId): NodeInfo | null {
  return routing.nodes.find((n) => n.nodeId === nodeId) ?? null;
}

export function findTarget(routing: RoutingInfo, targetId: TargetId): TargetInfo | null {
  return routing.targets.find((t) => t.targetId === targetId) ?? null;
}

export function findChain(routing: RoutingInfo, chainId: ChainId): ChainInfo | null {
  return routing.chains.find((c) => c.chainId === chainId) ?? null;
}

/** The given version of a chain table, or its newest version when `version` is null. */
export function findChainTable(routing: RoutingInfo, chainTableId: ChainTableId, version: number | null): ChainTable | null {
  let found: ChainTable | null = null;
  for (const table of routing.chainTables) {
    if (table.chainTableId !== chainTableId) continue;
    if (version !== null ? table.version === version : found === null || table.version > found.version) found = table;
  }
  return found;
}
