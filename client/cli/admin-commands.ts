import type { Command } from 'commander';
import type { MgmtdClient } from '../../infra/mgmtd/index.ts';
import { DATA_DIR_HELP, MGMTD_HELP, SECRET_DIR_HELP, withAdminMgmtd } from './admin-mgmtd.ts';
import type { AdminTargetOptions } from './admin-mgmtd.ts';
import { registerInitClusterCommand } from './init-cluster-command.ts';
import { formatTable } from './table.ts';

const show = (value: string | number | null): string => (value === null ? '-' : String(value));

/** One admin listing: fetches from the data dir's mgmtd and renders headers + rows. */
interface Listing {
  readonly name: string;
  readonly description: string;
  render(mgmtd: MgmtdClient): Promise<{ version: number; headers: string[]; rows: string[][] }>;
}

const LISTINGS: readonly Listing[] = [
  {
    name: 'list-nodes',
    description: 'nodes known to mgmtd, with their status and address',
    async render(mgmtd) {
      const rsp = await mgmtd.call('listNodes', null);
      return {
        version: rsp.routingVersion,
        headers: ['NODE', 'TYPE', 'STATUS', 'ADDRESS', 'LAST HEARTBEAT'],
        rows: rsp.nodes.map((n) => [show(n.nodeId), n.type, n.status, show(n.address),
          n.lastHeartbeatMs === null ? '-' : new Date(n.lastHeartbeatMs).toISOString()]),
      };
    },
  },
  {
    name: 'list-targets',
    description: 'storage targets with their chain, node and states',
    async render(mgmtd) {
      const rsp = await mgmtd.call('listTargets', null);
      return {
        version: rsp.routingVersion,
        headers: ['TARGET', 'NODE', 'DISK', 'CHAIN', 'PUBLIC STATE', 'LOCAL STATE'],
        rows: rsp.targets.map((t) => [show(t.targetId), show(t.nodeId), show(t.diskIndex), show(t.chainId), t.publicState, t.localState]),
      };
    },
  },
  {
    name: 'list-chains',
    description: 'chains with their targets in order, head first',
    async render(mgmtd) {
      const rsp = await mgmtd.call('listChains', null);
      return {
        version: rsp.routingVersion,
        headers: ['CHAIN', 'VERSION', 'TARGETS (head first)'],
        rows: rsp.chains.map((c) => [show(c.chainId), show(c.chainVersion), c.targets.map((t) => `${t.targetId}(${t.publicState})`).join(' ')]),
      };
    },
  },
  {
    name: 'list-chain-tables',
    description: 'chain tables and their versions',
    async render(mgmtd) {
      const rsp = await mgmtd.call('listChainTables', null);
      return {
        version: rsp.routingVersion,
        headers: ['TABLE', 'VERSION', 'CHAINS', 'CHAIN IDS'],
        rows: rsp.chainTables.map((t) => [show(t.chainTableId), show(t.version), show(t.chains.length), t.chains.join(',')]),
      };
    },
  },
];

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('inspect and set up the cluster through mgmtd');
  registerInitClusterCommand(admin);
  for (const listing of LISTINGS) {
    admin.command(listing.name)
      .description(listing.description)
      .option('--data-dir <dir>', DATA_DIR_HELP)
      .option('--mgmtd <addresses>', MGMTD_HELP)
      .option('--secret-dir <dir>', SECRET_DIR_HELP)
      .action(async (opts: AdminTargetOptions) => {
        const { version, headers, rows } = await withAdminMgmtd(opts, (mgmtd) => listing.render(mgmtd));
        console.log(formatTable(headers, rows));
        console.log(`(routing version ${version})`);
      });
  }
}
