import type { NodeInfo, RoutingInfo } from '../../routing/types.ts';
import { stepChains } from '../step-chains.ts';

export interface SilenceRule {
  readonly nowMs: number;
  readonly failureIntervalMs: number;
  /** When the node last showed life: its last heartbeat, its registration, or when this primary took over. */
  readonly lastSignOfLifeMs: (node: NodeInfo) => number;
}

/**
 * The heartbeat checker's step (3FS: MgmtdHeartbeatChecker): nodes CONNECTING or CONNECTED whose last sign of life
 * is older than the failure interval become FAILED; their targets then count as OFFLINE, the chain state machine
 * steps, and the routing version bumps once. Returns the input itself when nobody fell silent.
 */
export function markSilentNodesFailed(routing: RoutingInfo, rule: SilenceRule): RoutingInfo {
  const silent = (n: NodeInfo): boolean =>
    (n.status === 'CONNECTED' || n.status === 'CONNECTING') && rule.nowMs - rule.lastSignOfLifeMs(n) >= rule.failureIntervalMs;
  if (!routing.nodes.some(silent)) return routing;
  const nodes = routing.nodes.map((n) => (silent(n) ? { ...n, status: 'FAILED' as const } : n));
  const failed = new Set(nodes.filter((n) => n.status === 'FAILED').map((n) => n.nodeId));
  const targets = routing.targets.map((t) => (failed.has(t.nodeId) && t.localState !== 'OFFLINE' ? { ...t, localState: 'OFFLINE' as const } : t));
  const step = stepChains({ ...routing, nodes, targets });
  return { ...step.routing, version: routing.version + 1 };
}
