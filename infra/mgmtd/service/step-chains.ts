/**
 * Runs the chain state machine over the chains that may move. Local states come from the targets, except that a
 * FAILED or DISABLED node's targets count as OFFLINE whatever they last said. A chain is held still while any of its
 * targets sits on a node that registered but never heartbeated (CONNECTING): a freshly created table starts all
 * SERVING, and stepping it before every node has reported would demote targets that are merely not heard from yet.
 * The heartbeat checker marks such a node FAILED after the failure interval, which releases its chains.
 */
import type { LocalTargetState, NodeId, NodeStatus, RoutingInfo, TargetId } from '../routing/types.ts';
import { advanceRoutingInfo } from '../state-machine/advance-routing-info.ts';

export interface ChainsStep {
  /** The routing with stepped chains and targets; its version is not bumped here (callers bump once per mutation). */
  readonly routing: RoutingInfo;
  readonly changed: boolean;
}

export function stepChains(routing: RoutingInfo): ChainsStep {
  const status = new Map<NodeId, NodeStatus>(routing.nodes.map((n) => [n.nodeId, n.status]));
  const nodeOf = new Map<TargetId, NodeId>(routing.targets.map((t) => [t.targetId, t.nodeId]));
  const localStates = new Map<TargetId, LocalTargetState>(
    routing.targets.map((t) => {
      const s = status.get(t.nodeId);
      return [t.targetId, s === 'FAILED' || s === 'DISABLED' || s === undefined ? 'OFFLINE' : t.localState];
    }),
  );
  const held = (targetId: TargetId): boolean => status.get(nodeOf.get(targetId) ?? -1) === 'CONNECTING';
  const movable = routing.chains.filter((c) => !c.targets.some((t) => held(t.targetId)));
  const movableIds = new Set(movable.map((c) => c.chainId));
  const sub: RoutingInfo = { ...routing, chains: movable, targets: routing.targets.filter((t) => movableIds.has(t.chainId)) };

  const step = advanceRoutingInfo(sub, localStates);
  if (step.routing === sub) return { routing, changed: false };
  const chains = new Map(step.routing.chains.map((c) => [c.chainId, c]));
  const targets = new Map(step.routing.targets.map((t) => [t.targetId, t]));
  return {
    routing: {
      ...routing,
      chains: routing.chains.map((c) => chains.get(c.chainId) ?? c),
      targets: routing.targets.map((t) => targets.get(t.targetId) ?? t),
    },
    changed: true,
  };
}
