import type { ChainId, ChainInfo, RoutingInfo, TargetInfo } from '../routing/types.ts';
import { nextChain } from './next-chain.ts';
import type { LocalStates } from './next-chain.ts';

export interface RoutingStep {
  readonly routing: RoutingInfo;
  /** Chains whose order or public states changed (their versions bumped); mgmtd persists exactly these. */
  readonly changedChainIds: readonly ChainId[];
}

/**
 * Applies the latest local states to a whole routing snapshot: records them on the targets, steps every chain,
 * mirrors the new public states onto the targets, and bumps the routing version once if anything at all changed
 * (a local state alone counts: clients read it too). Targets with no entry in `localStates` count as OFFLINE.
 */
export function advanceRoutingInfo(routing: RoutingInfo, localStates: LocalStates): RoutingStep {
  // 1. Step each chain.
  const changedChainIds: ChainId[] = [];
  const chains: ChainInfo[] = routing.chains.map((chain) => {
    const step = nextChain(chain, localStates);
    if (step.changed) changedChainIds.push(chain.chainId);
    return step.chain;
  });

  // 2. Mirror public states and record local states on the targets. A target in no chain keeps its public state.
  const publicStates = new Map(chains.flatMap((c) => c.targets.map((t) => [t.targetId, t.publicState] as const)));
  let targetsChanged = false;
  const targets: TargetInfo[] = routing.targets.map((target) => {
    const publicState = publicStates.get(target.targetId) ?? target.publicState;
    const localState = localStates.get(target.targetId) ?? 'OFFLINE';
    if (publicState === target.publicState && localState === target.localState) return target;
    targetsChanged = true;
    return { ...target, publicState, localState };
  });

  // 3. One routing version bump per step that changed anything.
  if (changedChainIds.length === 0 && !targetsChanged) return { routing, changedChainIds };
  return { routing: { ...routing, version: routing.version + 1, targets, chains }, changedChainIds };
}
