import { mgmtdAddresses } from '../../infra/cluster/index.ts';
import { GeneralError } from '../../infra/errors.ts';
import { MgmtdClient } from '../../infra/mgmtd/index.ts';
import { loadOrCreateClusterSecret, RpcClient } from '../../infra/rpc/index.ts';
import type { ClusterSecret } from '../../infra/rpc/index.ts';
import { MgmtdRoutingSource, StorageClient } from '../../storage/index.ts';
import { FileDataClient } from './file-data-client.ts';

interface CommonConnectOptions {
  /** Deadline of one RPC; CONNECT_DEFAULTS.timeoutMs by default. */
  readonly timeoutMs?: number;
  /** Bytes one pread or pwrite may move (FILE_DATA_DEFAULTS.maxIoBytes by default). */
  readonly maxIoBytes?: number;
  /** Where the mgmtd client reports failovers; silent by default. */
  readonly log?: (message: string) => void;
}

/** A local cluster started by `firepond up` with this data dir: mgmtd addresses and secret are read from it. */
export interface LocalConnectOptions extends CommonConnectOptions {
  readonly dataDir: string;
}

/** Any cluster: its mgmtd addresses ("host:port,host:port" or a list) and its cluster secret. */
export interface RemoteConnectOptions extends CommonConnectOptions {
  readonly mgmtd: string | readonly string[];
  readonly secret: ClusterSecret;
}

export type ConnectOptions = LocalConnectOptions | RemoteConnectOptions;

export const CONNECT_DEFAULTS = { timeoutMs: 10_000 } as const;

/**
 * Connects the file client to a cluster: finds the mgmtd primary, fetches routing once (so the first I/O does not
 * wait for it) and keeps it fresh by long-polling, and sets up a storage client on it. `close()` closes the
 * storage client, then the mgmtd client, then the transport.
 *
 *   const fs = await connect({ dataDir: '.firepond' });
 *   t.after(() => fs.close());
 */
export async function connect(options: ConnectOptions): Promise<FileDataClient> {
  const { addresses, secret } = 'dataDir' in options
    ? { addresses: mgmtdAddresses(options.dataDir), secret: await loadOrCreateClusterSecret(options.dataDir) }
    : { addresses: parseMgmtdList(options.mgmtd), secret: options.secret };
  const timeoutMs = options.timeoutMs ?? CONNECT_DEFAULTS.timeoutMs;

  const rpc = RpcClient.create({ secret, timeoutMs });
  const mgmtd = MgmtdClient.create({ rpc, addresses, log: options.log ?? (() => undefined) });
  try {
    await mgmtd.refreshRouting();
  } catch (err) {
    await mgmtd.close();
    await rpc.close();
    throw err;
  }
  mgmtd.startPolling();
  const routing = new MgmtdRoutingSource(mgmtd);
  const storage = StorageClient.create({ routing, rpc: { secret, timeoutMs } });
  return new FileDataClient(
    { storage, routing, ...(options.maxIoBytes === undefined ? {} : { maxIoBytes: options.maxIoBytes }) },
    [() => storage.close(), () => mgmtd.close(), () => rpc.close()],
  );
}

function parseMgmtdList(mgmtd: string | readonly string[]): string[] {
  const addresses = (typeof mgmtd === 'string' ? mgmtd.split(',') : [...mgmtd]).map((a) => a.trim()).filter((a) => a !== '');
  if (addresses.length === 0) throw GeneralError.INVALID_ARGUMENT('connect needs at least one mgmtd address (host:port)', { context: { mgmtd } });
  return addresses;
}
