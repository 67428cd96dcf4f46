/**
 * The cluster the storage benchmark writes into: the local stack without Temporal (`up({ temporal: false })`:
 * mgmtd ×2, storage ×3 with two targets each, chains of three replicas), and storage clients of its own.
 */
import { down, up } from '../../infra/cluster/index.ts';
import { MgmtdClient } from '../../infra/mgmtd/index.ts';
import type { ChainId } from '../../infra/mgmtd/index.ts';
import { loadOrCreateClusterSecret, RpcClient } from '../../infra/rpc/index.ts';
import { MgmtdRoutingSource, StorageClient } from '../../storage/index.ts';

export interface StorageCluster {
  /** The chains of the cluster's chain table (three replicas each). */
  readonly chains: readonly ChainId[];
  /** A storage client of its own (own connections); closed with the cluster. */
  createClient(): StorageClient;
}

/**
 * Brings up the local stack in `dataDir` (no Temporal), runs `body`, and tears it down (`down`) also when `body`
 * throws. Put `dataDir` on the disk the raw-disk baseline measures.
 */
export async function withStorageCluster<T>(dataDir: string, body: (cluster: StorageCluster) => Promise<T>): Promise<T> {
  const clients: StorageClient[] = [];
  let rpc: RpcClient | null = null;
  let mgmtd: MgmtdClient | null = null;
  try {
    const stack = await up({ dataDir, temporal: false });
    const secret = await loadOrCreateClusterSecret(dataDir);
    rpc = RpcClient.create({ secret, timeoutMs: 5_000 });
    const addresses = stack.services.filter((s) => s.name.startsWith('mgmtd-')).map((s) => s.record!.address);
    mgmtd = MgmtdClient.create({ rpc, addresses, log: () => undefined });
    const routing = await mgmtd.refreshRouting();
    const source = new MgmtdRoutingSource(mgmtd);
    const chains = routing.chains.map((c) => c.chainId);
    if (chains.length === 0) throw new Error('the cluster has no chains');
    return await body({
      chains,
      createClient: () => {
        const client = StorageClient.create({ routing: source, rpc: { secret, timeoutMs: 60_000 } });
        clients.push(client);
        return client;
      },
    });
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await mgmtd?.close().catch(() => undefined);
    await rpc?.close().catch(() => undefined);
    await down(dataDir);
  }
}
