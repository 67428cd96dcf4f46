import type { DevServerInfo } from '../temporal/index.ts';
import { readDevServerInfo, startDevServer, stopDevServer } from '../temporal/index.ts';
import type { SearchAttributeType } from '../temporal/index.ts';

export interface UpOptions {
  readonly dataDir: string;
  readonly port?: number;
  readonly uiPort?: number | null;
  readonly searchAttributes?: readonly { readonly name: string; readonly type: SearchAttributeType }[];
}

export interface StackStatus {
  readonly dataDir: string;
  readonly temporal: DevServerInfo | null;
}

/**
 * Brings up the local stack of a data directory, or finds it already up. Today that is the Temporal dev server (with
 * its Web UI); the file-system services (mgmtd, meta, storage) join it here as they are built.
 */
export async function up(options: UpOptions): Promise<StackStatus & { readonly started: readonly string[] }> {
  const temporal = await startDevServer({
    dataDir: options.dataDir,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.uiPort === undefined ? {} : { uiPort: options.uiPort }),
    ...(options.searchAttributes === undefined ? {} : { searchAttributes: options.searchAttributes }),
  });
  return { dataDir: options.dataDir, temporal, started: temporal.reused ? [] : ['temporal'] };
}

/** Stops everything `up` started for the data directory; returns what was stopped. Safe to call when nothing runs. */
export async function down(dataDir: string): Promise<string[]> {
  const stopped: string[] = [];
  if (await stopDevServer(dataDir)) stopped.push('temporal');
  return stopped;
}

export function status(dataDir: string): StackStatus {
  return { dataDir, temporal: readDevServerInfo(dataDir) };
}
