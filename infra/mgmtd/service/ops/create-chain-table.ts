import { GeneralError } from '../../../errors.ts';
import type { CreateChainTableReq } from '../../protocol.ts';
import { generateChainTable } from '../../placement/generate-chain-table.ts';
import type { ChainTable, RoutingInfo } from '../../routing/types.ts';

/**
 * Generates version 1 of a chain table over registered storage nodes and adds its chains and targets. Refused when
 * the table exists, a node is not a registered STORAGE node, or a target or chain id is taken. New targets start with
 * the local state OFFLINE and their chains are held still until their nodes heartbeat (see step-chains.ts).
 */
export function createChainTable(routing: RoutingInfo, req: CreateChainTableReq): { routing: RoutingInfo; chainTable: ChainTable } {
  const { spec } = req;
  const refuse = (why: string): Error => GeneralError.INVALID_ARGUMENT(`cannot create chain table ${spec.chainTableId}: ${why}`, { context: { spec } });
  if (routing.chainTables.some((t) => t.chainTableId === spec.chainTableId)) throw refuse('it exists');
  for (const nodeId of spec.storageNodeIds) {
    const node = routing.nodes.find((n) => n.nodeId === nodeId);
    if (node === undefined) throw refuse(`node ${nodeId} is not registered`);
    if (node.type !== 'STORAGE') throw refuse(`node ${nodeId} is a ${node.type} node`);
  }
  const generated = generateChainTable(spec);
  const takenTargets = new Set(routing.targets.map((t) => t.targetId));
  const clash = generated.targets.find((t) => takenTargets.has(t.targetId));
  if (clash !== undefined) throw refuse(`target ${clash.targetId} exists`);
  const takenChains = new Set(routing.chains.map((c) => c.chainId));
  const chainClash = generated.chains.find((c) => takenChains.has(c.chainId));
  if (chainClash !== undefined) throw refuse(`chain ${chainClash.chainId} exists`);

  const byId = <T>(id: (x: T) => number) => (a: T, b: T) => id(a) - id(b);
  return {
    chainTable: generated.chainTable,
    routing: {
      ...routing,
      version: routing.version + 1,
      targets: [...routing.targets, ...generated.targets].sort(byId((t) => t.targetId)),
      chains: [...routing.chains, ...generated.chains].sort(byId((c) => c.chainId)),
      chainTables: [...routing.chainTables, generated.chainTable].sort((a, b) => a.chainTableId - b.chainTableId || a.version - b.version),
    },
  };
}
