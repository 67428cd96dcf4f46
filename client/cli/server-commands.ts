import type { Command } from 'commander';
import { down, status, up } from '../../infra/cluster/index.ts';
import { resolveDataDir, startDevServer } from '../../infra/temporal/index.ts';
import { formatTable } from './table.ts';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.ts';

export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('the local Temporal dev server of a data directory');

  server.command('start')
    .description('start (or reuse) the dev server; its state survives restarts in <data-dir>/temporal')
    .option('--data-dir <dir>', 'Firepond data directory (default $FIREPOND_HOME or ./.firepond)')
    .option('--port <port>', 'gRPC port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--headless', 'no Web UI')
    .action(async (opts: { dataDir?: string; port: string; uiPort: string; headless?: boolean }) => {
      const info = await startDevServer({
        dataDir: resolveDataDir(opts.dataDir ?? null),
        port: Number(opts.port),
        uiPort: opts.headless === true ? null : Number(opts.uiPort),
        searchAttributes: SEARCH_ATTRIBUTES,
      });
      console.log(`${info.reused ? 'already running' : 'started'}: ${info.address} (pid ${info.pid})`);
      if (info.uiUrl !== null) console.log(`Web UI: ${info.uiUrl}`);
    });

  program.command('up')
    .description('start the local stack of the data directory: Temporal, mgmtd ×2, storage ×3 (a no-op when it already runs)')
    .option('--data-dir <dir>', 'Firepond data directory (default $FIREPOND_HOME or ./.firepond)')
    .option('--no-temporal', 'leave out the Temporal dev server')
    .action(async (opts: { dataDir?: string; temporal: boolean }) => {
      const stack = await up({ dataDir: resolveDataDir(opts.dataDir ?? null), temporal: opts.temporal, searchAttributes: SEARCH_ATTRIBUTES });
      console.log(stack.started.length === 0 ? `already up (${stack.dataDir})` : `started: ${stack.started.join(', ')} (${stack.dataDir})`);
      if (stack.temporal?.uiUrl) console.log(`Temporal ${stack.temporal.address} · Web UI ${stack.temporal.uiUrl}`);
    });

  program.command('down')
    .description('stop everything started from the data directory')
    .option('--data-dir <dir>', 'Firepond data directory (default $FIREPOND_HOME or ./.firepond)')
    .action(async (opts: { dataDir?: string }) => {
      const dataDir = resolveDataDir(opts.dataDir ?? null);
      const stopped = await down(dataDir);
      console.log(stopped.length > 0 ? `stopped: ${stopped.join(', ')} (${dataDir})` : `nothing was running for ${dataDir}`);
    });

  program.command('status')
    .description('what runs for the data directory')
    .option('--data-dir <dir>', 'Firepond data directory (default $FIREPOND_HOME or ./.firepond)')
    .action((opts: { dataDir?: string }) => {
      const dataDir = resolveDataDir(opts.dataDir ?? null);
      const stack = status(dataDir);
      const info = stack.temporal;
      const rows: string[][] = [
        info === null
          ? ['temporal', 'stopped', '-', '-', '-', '-']
          : ['temporal', 'running', info.address, String(info.pid), '-', info.logPath],
        ...stack.services.map((s) => [
          s.name,
          s.state,
          s.record?.address ?? '-',
          s.record === null ? '-' : String(s.record.pid),
          // `?? null`: records written before services exported metrics have no such field.
          (s.record?.metricsAddress ?? null) === null ? '-' : `http://${s.record!.metricsAddress}/metrics`,
          s.record?.logPath ?? '-',
        ]),
      ];
      console.log(`data dir ${dataDir}`);
      console.log(formatTable(['SERVICE', 'STATE', 'ADDRESS', 'PID', 'METRICS', 'LOG'], rows));
      if (info?.uiUrl) console.log(`Temporal Web UI: ${info.uiUrl}`);
    });
}
