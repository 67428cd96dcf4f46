import { StorageError } from '../infra/errors.ts';
import { findChain, findTarget } from '../infra/mgmtd/index.ts';
import type { ChainId, ChainInfo, ChainTargetInfo, PublicTargetState, RoutingInfo, TargetId } from '../infra/mgmtd/index.ts';
import type { RoutingSource } from './routing-source.ts';
import type { LocalTarget, TargetRegistry } from './target-registry.ts';

/** A local target's place in its chain, at the chain version the request carried. */
export interface ChainView {
  readonly routing: RoutingInfo;
  readonly chain: ChainInfo;
  readonly target: LocalTarget;
  readonly state: PublicTargetState;
  readonly isHead: boolean;
  /** The next target that takes writes (SERVING or SYNCING), or null at the tail. */
  readonly successor: ChainTargetInfo | null;
}

/**
 * Finds the local target of `chainId` and checks the request's chain version against routing. A request newer than
 * our routing makes us refresh first (we may simply lag); any remaining difference is
 * STORAGE_CHAIN_VERSION_MISMATCH, so the sender refreshes and retries.
 */
export async function viewChain(source: RoutingSource, targets: TargetRegistry, chainId: ChainId, chainVer: number): Promise<ChainView> {
  let routing = source.current();
  let chain = findChain(routing, chainId);
  if (chain === null || chain.chainVersion < chainVer) {
    routing = await source.refresh();
    chain = findChain(routing, chainId);
  }
  if (chain === null) throw StorageError.ROUTING_ERROR(`chain ${chainId} is unknown here`, { context: { chainId, routingVersion: routing.version } });
  checkChainVersion(chain, chainVer);
  const position = chain.targets.findIndex((t) => targets.has(t.targetId));
  const entry = chain.targets[position];
  if (entry === undefined) throw StorageError.ROUTING_ERROR(`no target of chain ${chainId} is served here`, { context: { chainId } });
  return toView(routing, chain, position, targets.get(entry.targetId));
}

/** The same for a request that names the target (resync). */
export async function viewTarget(source: RoutingSource, targets: TargetRegistry, targetId: TargetId, chainVer: number): Promise<ChainView> {
  const local = targets.get(targetId);
  let routing = source.current();
  const chainId = findTarget(routing, targetId)?.chainId ?? null;
  let chain = chainId === null ? null : findChain(routing, chainId);
  if (chain === null || chain.chainVersion < chainVer) {
    routing = await source.refresh();
    const refreshedId = findTarget(routing, targetId)?.chainId ?? null;
    chain = refreshedId === null ? null : findChain(routing, refreshedId);
  }
  if (chain === null) throw StorageError.ROUTING_ERROR(`target ${targetId} is in no known chain`, { context: { targetId } });
  checkChainVersion(chain, chainVer);
  const position = chain.targets.findIndex((t) => t.targetId === targetId);
  if (position < 0) throw StorageError.ROUTING_ERROR(`target ${targetId} is not in chain ${chain.chainId}`, { context: { targetId, chainId: chain.chainId } });
  return toView(routing, chain, position, local);
}

/** Re-checks a view after waiting for the chunk lock: the chain may have changed meanwhile. */
export function stillCurrent(source: RoutingSource, view: ChainView): void {
  const chain = findChain(source.current(), view.chain.chainId);
  if (chain === null) throw StorageError.ROUTING_ERROR(`chain ${view.chain.chainId} vanished from routing`, { context: { chainId: view.chain.chainId } });
  checkChainVersion(chain, view.chain.chainVersion);
}

export function requireState(view: ChainView, allowed: readonly PublicTargetState[], what: string): void {
  if (!allowed.includes(view.state)) {
    throw StorageError.ROUTING_ERROR(`target ${view.target.targetId} is ${view.state}; ${what} needs ${allowed.join(' or ')}`, {
      context: { targetId: view.target.targetId, chainId: view.chain.chainId, state: view.state },
    });
  }
}

function checkChainVersion(chain: ChainInfo, chainVer: number): void {
  if (chain.chainVersion !== chainVer) {
    throw StorageError.CHAIN_VERSION_MISMATCH(`chain ${chain.chainId} is at version ${chain.chainVersion}, the request carries ${chainVer}`, {
      context: { chainId: chain.chainId, chainVersion: chain.chainVersion, requestChainVer: chainVer },
    });
  }
}

function toView(routing: RoutingInfo, chain: ChainInfo, position: number, target: LocalTarget): ChainView {
  const entry = chain.targets[position]!;
  if (target.rejoining) {
    throw StorageError.ROUTING_ERROR(`target ${target.targetId} has just restarted and serves nothing until mgmtd takes it out of chain ${chain.chainId} (rejoin gate)`, {
      context: { targetId: target.targetId, chainId: chain.chainId, state: entry.publicState },
    });
  }
  const successor = chain.targets.slice(position + 1).find((t) => t.publicState === 'SERVING' || t.publicState === 'SYNCING') ?? null;
  return { routing, chain, target, state: entry.publicState, isHead: position === 0 && entry.publicState === 'SERVING', successor };
}
