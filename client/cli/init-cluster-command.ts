import type { Command } from 'commander';
import { GeneralError } from '../../infra/errors.ts';
import { describePlacement, initChainTable, planChainTable } from '../../infra/mgmtd/index.ts';
import type { ChainTablePlan, InitChainTableOptions } from '../../infra/mgmtd/index.ts';
import { DATA_DIR_HELP, MGMTD_HELP, SECRET_DIR_HELP, withAdminMgmtd } from './admin-mgmtd.ts';
import type { AdminTargetOptions } from './admin-mgmtd.ts';
import { formatTable } from './table.ts';

interface InitClusterFlags extends AdminTargetOptions {
  readonly tableId: string;
  readonly nodes?: string;
  readonly targetsPerNode: string;
  readonly replicas: string;
  readonly firstDisk?: string;
  readonly registerNodes?: boolean;
  readonly dryRun?: boolean;
}

/**
 * `firepond admin init-cluster`: generates a chain table (replicas of each chain on distinct nodes, chains and heads
 * balanced across nodes), creates it through mgmtd, and prints it. The same code creates the table of `firepond up`.
 */
export function registerInitClusterCommand(admin: Command): void {
  admin.command('init-cluster')
    .description('create a chain table over storage nodes: each chain on distinct nodes, chains and heads balanced')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--mgmtd <addresses>', MGMTD_HELP)
    .option('--secret-dir <dir>', SECRET_DIR_HELP)
    .option('--table-id <id>', 'chain table id', '1')
    .option('--nodes <ids>', 'storage node ids, comma-separated (default: every registered storage node)')
    .option('--targets-per-node <n>', 'targets (disks) each node gives the table', '1')
    .option('--replicas <n>', 'replicas per chain, each on its own node', '3')
    .option('--first-disk <n>', "each node's first disk index for the table (default: the first disk no table uses)")
    .option('--register-nodes', 'register listed nodes mgmtd does not know yet (as `up` does before starting them)')
    .option('--dry-run', 'print the table without creating it')
    .action(async (flags: InitClusterFlags) => {
      const options: InitChainTableOptions = {
        chainTableId: integer('--table-id', flags.tableId, 1),
        storageNodeIds: flags.nodes === undefined ? null : flags.nodes.split(',').map((id) => integer('--nodes', id.trim(), 0)),
        targetsPerNode: integer('--targets-per-node', flags.targetsPerNode, 1),
        replicationFactor: integer('--replicas', flags.replicas, 1),
        firstDiskIndex: flags.firstDisk === undefined ? null : integer('--first-disk', flags.firstDisk, 0),
        registerUnknownNodes: flags.registerNodes === true,
      };
      await withAdminMgmtd(flags, async (mgmtd) => {
        if (flags.dryRun === true) {
          const plan = planChainTable(await mgmtd.refreshRouting(), options);
          console.log(`would create ${headline(plan)}${plan.unknownNodes.length === 0 ? '' : `; would register nodes ${plan.unknownNodes.join(',')}`}`);
          console.log(renderPlacement(plan));
          return;
        }
        const created = await initChainTable(mgmtd, options);
        if (created.unknownNodes.length > 0) console.log(`registered storage nodes ${created.unknownNodes.join(',')} ahead (no address until they start)`);
        console.log(`created ${headline(created)}`);
        console.log(renderPlacement(created));
        console.log(`(routing version ${created.routingVersion})`);
      });
    });
}

function headline({ spec, generated }: ChainTablePlan): string {
  const disks = spec.targetsPerNode === 1 ? `disk ${spec.firstDiskIndex ?? 0}` : `disks ${spec.firstDiskIndex ?? 0}-${(spec.firstDiskIndex ?? 0) + spec.targetsPerNode - 1}`;
  return `chain table ${spec.chainTableId} v${generated.chainTable.version}: ${generated.chains.length} chains of ${spec.replicationFactor} ` +
    `replicas over nodes ${spec.storageNodeIds.join(',')} (${disks} of each)`;
}

/** The chains (targets and their nodes, head first), then per node its targets and heads. */
export function renderPlacement({ generated }: Pick<ChainTablePlan, 'generated'>): string {
  const placement = describePlacement(generated.chains, generated.targets);
  const chains = formatTable(
    ['CHAIN', 'TARGETS (head first)', 'NODES (head first)'],
    placement.chains.map((c) => [String(c.chainId), c.replicas.map((r) => r.targetId).join(' '), c.replicas.map((r) => r.nodeId).join(' ')]),
  );
  const nodes = formatTable(['NODE', 'TARGETS', 'HEADS'], placement.nodes.map((n) => [String(n.nodeId), String(n.targets), String(n.heads)]));
  return `${chains}\n\n${nodes}`;
}

function integer(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (text.length === 0 || !Number.isSafeInteger(n) || n < min) {
    throw GeneralError.INVALID_ARGUMENT(`${flag} must be an integer ≥ ${min}, got "${text}"`);
  }
  return n;
}
