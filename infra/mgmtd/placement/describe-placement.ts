import { GeneralError } from '../../errors.ts';
import type { ChainId, ChainInfo, NodeId, TargetId, TargetInfo } from '../routing/types.ts';

export interface ChainPlacement {
  readonly chainId: ChainId;
  /** The chain's targets in order, head first, with the node each lives on. */
  readonly replicas: readonly { readonly targetId: TargetId; readonly nodeId: NodeId }[];
}

export interface NodePlacement {
  readonly nodeId: NodeId;
  /** Targets of the node in these chains. */
  readonly targets: number;
  /** Chains whose head is on the node (it takes their writes). */
  readonly heads: number;
}

/**
 * Where a set of chains puts its replicas: per chain the nodes, head first; per node the targets and heads, sorted by
 * node id. What `firepond admin init-cluster` prints and what the balance tests check.
 */
export function describePlacement(chains: readonly ChainInfo[], targets: readonly TargetInfo[]): { chains: ChainPlacement[]; nodes: NodePlacement[] } {
  const nodeOf = new Map(targets.map((t) => [t.targetId, t.nodeId]));
  const perNode = new Map<NodeId, { targets: number; heads: number }>();
  const count = (nodeId: NodeId): { targets: number; heads: number } => {
    let c = perNode.get(nodeId);
    if (c === undefined) perNode.set(nodeId, (c = { targets: 0, heads: 0 }));
    return c;
  };
  const placed = chains.map((chain): ChainPlacement => {
    const replicas = chain.targets.map((t) => {
      const nodeId = nodeOf.get(t.targetId);
      if (nodeId === undefined) throw GeneralError.INTERNAL(`chain ${chain.chainId} lists target ${t.targetId}, which is not among the targets`);
      return { targetId: t.targetId, nodeId };
    });
    replicas.forEach((r, i) => {
      const c = count(r.nodeId);
      c.targets += 1;
      if (i === 0) c.heads += 1;
    });
    return { chainId: chain.chainId, replicas };
  });
  const nodes = [...perNode].map(([nodeId, c]) => ({ nodeId, ...c })).sort((a, b) => a.nodeId - b.nodeId);
  return { chains: placed, nodes };
}
