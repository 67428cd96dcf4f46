/**
 * Creating a chain table on a running cluster, shared by `firepond up` (the local stack's first table) and
 * `firepond admin init-cluster` (any table): choose the nodes and disks, check what mgmtd would refuse with a
 * message an operator can act on, register nodes ahead when asked, and create the table through the primary.
 *
 *   const { generated } = await initChainTable(mgmtd, {
 *     chainTableId: 2, storageNodeIds: null, targetsPerNode: 1, replicationFactor: 3, firstDiskIndex: null, registerUnknownNodes: false,
 *   });
 */
import { GeneralError } from '../errors.ts';
import type { MgmtdClient } from './client.ts';
import { generateChainTable } from './placement/generate-chain-table.ts';
import type { ChainTableSpec, GeneratedChainTable } from './placement/generate-chain-table.ts';
import type { ChainTableId, NodeId, RoutingInfo } from './routing/types.ts';

export interface InitChainTableOptions {
  readonly chainTableId: ChainTableId;
  /** The storage nodes to place on; null: every registered STORAGE node that is not DISABLED. */
  readonly storageNodeIds: readonly NodeId[] | null;
  readonly targetsPerNode: number;
  readonly replicationFactor: number;
  /** Each node's first disk for this table; null: the first disk none of the chosen nodes has a target on yet. */
  readonly firstDiskIndex: number | null;
  /**
   * Register listed nodes mgmtd does not know as STORAGE nodes without an address (CONNECTING), as `up` does before
   * starting them, so their chains wait for their first reports; otherwise an unknown node is refused.
   */
  readonly registerUnknownNodes: boolean;
}

export interface ChainTablePlan {
  /** The spec mgmtd generates the table from. */
  readonly spec: ChainTableSpec;
  /** The table, its chains and targets as they will be created (version 1). */
  readonly generated: GeneratedChainTable;
  /** Listed nodes mgmtd does not know yet, to register ahead. */
  readonly unknownNodes: readonly NodeId[];
}

export interface InitChainTableResult extends ChainTablePlan {
  readonly routingVersion: number;
}

/**
 * What `initChainTable` would create on a cluster whose routing is `routing`, without creating it. Refuses with
 * INVALID_ARGUMENT, saying why, what mgmtd would refuse or what cannot be placed.
 */
export function planChainTable(routing: RoutingInfo, options: InitChainTableOptions): ChainTablePlan {
  const spec = chooseSpec(routing, options);
  const generated = generateChainTable(spec); // refuses bad counts and ids before anything changes
  checkFree(routing, generated);
  const known = new Set(routing.nodes.map((n) => n.nodeId));
  return { spec, generated, unknownNodes: spec.storageNodeIds.filter((id) => !known.has(id)) };
}

/** Plans the table (see `planChainTable`), registers unknown nodes when allowed, and creates it on the primary. */
export async function initChainTable(mgmtd: MgmtdClient, options: InitChainTableOptions): Promise<InitChainTableResult> {
  const plan = planChainTable(await mgmtd.refreshRouting(), options);
  for (const nodeId of plan.unknownNodes) await mgmtd.registerNode({ nodeId, type: 'STORAGE', address: null });
  const rsp = await mgmtd.createChainTable({ spec: plan.spec });
  return { ...plan, routingVersion: rsp.routingVersion };
}

function chooseSpec(routing: RoutingInfo, options: InitChainTableOptions): ChainTableSpec {
  const refuse = (why: string): Error =>
    GeneralError.INVALID_ARGUMENT(`cannot create chain table ${options.chainTableId}: ${why}`, { context: { options } });
  if (routing.chainTables.some((t) => t.chainTableId === options.chainTableId)) {
    throw refuse('it exists (tables are never replaced; pick another id, see `firepond admin list-chain-tables`)');
  }

  let nodeIds: readonly NodeId[];
  if (options.storageNodeIds === null) {
    nodeIds = routing.nodes.filter((n) => n.type === 'STORAGE' && n.status !== 'DISABLED').map((n) => n.nodeId);
    if (nodeIds.length === 0) throw refuse('no storage node is registered yet (start them first, or list the nodes to use)');
  } else {
    nodeIds = options.storageNodeIds;
    for (const nodeId of nodeIds) {
      const node = routing.nodes.find((n) => n.nodeId === nodeId);
      if (node === undefined && !options.registerUnknownNodes) throw refuse(`node ${nodeId} is not registered (start it first, or let it be registered ahead)`);
      if (node !== undefined && node.type !== 'STORAGE') throw refuse(`node ${nodeId} is a ${node.type} node, not a storage node`);
      if (node?.status === 'DISABLED') throw refuse(`node ${nodeId} is disabled`);
    }
  }
  if (options.replicationFactor > nodeIds.length) {
    throw refuse(`${options.replicationFactor} replicas per chain need ${options.replicationFactor} distinct storage nodes, there are ${nodeIds.length} (${nodeIds.join(',')})`);
  }

  const chosen = new Set(nodeIds);
  const firstDiskIndex = options.firstDiskIndex ??
    Math.max(0, ...routing.targets.filter((t) => chosen.has(t.nodeId)).map((t) => (t.diskIndex ?? -1) + 1));
  return {
    chainTableId: options.chainTableId,
    storageNodeIds: [...nodeIds],
    targetsPerNode: options.targetsPerNode,
    replicationFactor: options.replicationFactor,
    ...(firstDiskIndex === 0 ? {} : { firstDiskIndex }),
  };
}

function checkFree(routing: RoutingInfo, generated: GeneratedChainTable): void {
  const refuse = (why: string): Error => GeneralError.INVALID_ARGUMENT(`cannot create chain table ${generated.chainTable.chainTableId}: ${why}`);
  const takenTargets = new Set(routing.targets.map((t) => t.targetId));
  const target = generated.targets.find((t) => takenTargets.has(t.targetId));
  if (target !== undefined) throw refuse(`target ${target.targetId} (node ${target.nodeId}, disk ${target.diskIndex}) belongs to another table; pick later disks`);
  const takenChains = new Set(routing.chains.map((c) => c.chainId));
  const chain = generated.chains.find((c) => takenChains.has(c.chainId));
  if (chain !== undefined) throw refuse(`chain ${chain.chainId} exists`);
}
