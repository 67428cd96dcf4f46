import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { withMgmtd } from '../../infra/cluster/index.ts';
import { GeneralError } from '../../infra/errors.ts';
import { MgmtdClient } from '../../infra/mgmtd/index.ts';
import { loadOrCreateClusterSecret, RpcClient, SECRET_FILE_NAME } from '../../infra/rpc/index.ts';
import { resolveDataDir } from '../../infra/temporal/index.ts';

/** The flags every admin command takes to find mgmtd. */
export interface AdminTargetOptions {
  readonly dataDir?: string;
  /** "host:port,..." of the cluster's mgmtds; without it, those `firepond up` runs for the data dir. */
  readonly mgmtd?: string;
  /** Where the cluster secret lives when `--mgmtd` names the mgmtds; the data dir by default. */
  readonly secretDir?: string;
}

export const DATA_DIR_HELP = 'Firepond data directory (default $FIREPOND_HOME or ./.firepond)';
export const MGMTD_HELP = 'mgmtd addresses host:port,... (default: the mgmtds `firepond up` runs for the data dir)';
export const SECRET_DIR_HELP = `directory holding the cluster's ${SECRET_FILE_NAME}, with --mgmtd (default: the data dir)`;

/** Runs `body` with a client of the cluster the flags name, closed afterwards. */
export async function withAdminMgmtd<T>(opts: AdminTargetOptions, body: (mgmtd: MgmtdClient) => Promise<T>): Promise<T> {
  const dataDir = resolveDataDir(opts.dataDir ?? null);
  if (opts.mgmtd === undefined) return withMgmtd(dataDir, body);

  const addresses = opts.mgmtd.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
  if (addresses.length === 0) throw GeneralError.INVALID_ARGUMENT('--mgmtd needs at least one host:port');
  const secretDir = opts.secretDir ?? dataDir;
  // A client must not invent a secret: the servers would refuse it, by a less helpful name.
  if (!existsSync(join(secretDir, SECRET_FILE_NAME))) {
    throw GeneralError.INVALID_ARGUMENT(`no cluster secret in ${secretDir} (${SECRET_FILE_NAME}); pass --secret-dir or --data-dir`);
  }
  const rpc = RpcClient.create({ secret: await loadOrCreateClusterSecret(secretDir), timeoutMs: 5_000 });
  const mgmtd = MgmtdClient.create({ rpc, addresses, log: () => undefined });
  try {
    return await body(mgmtd);
  } finally {
    await mgmtd.close();
    await rpc.close();
  }
}
