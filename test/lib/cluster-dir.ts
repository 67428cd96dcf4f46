import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { down, mgmtdAddresses } from '../../infra/cluster/index.ts';
import { MgmtdClient } from '../../infra/mgmtd/index.ts';
import { loadOrCreateClusterSecret, RpcClient } from '../../infra/rpc/index.ts';
import type { ClusterSecret } from '../../infra/rpc/index.ts';

/**
 * A fresh data dir for a local cluster (`up({ dataDir, temporal: false })`), under the test run's temp dir. One
 * after-hook, registered here and so before any the test adds: it stops whatever the dir's cluster runs, then
 * removes the dir (after-hooks run in registration order; clients closed later find the servers gone, harmlessly).
 */
export function clusterDataDir(t: TestContext, prefix: string): string {
  const dataDir = mkdtempSync(join(process.env['FIREPOND_TEST_TMP'] ?? tmpdir(), prefix));
  t.after(async () => {
    await down(dataDir).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return dataDir;
}

export interface ClusterConnection {
  readonly secret: ClusterSecret;
  readonly rpc: RpcClient;
  readonly mgmtd: MgmtdClient;
}

/** A transport and an mgmtd client for the data dir's running cluster, closed with the test; routing fetched once. */
export async function connectCluster(t: TestContext, dataDir: string): Promise<ClusterConnection> {
  const secret = await loadOrCreateClusterSecret(dataDir);
  const rpc = RpcClient.create({ secret, timeoutMs: 5_000 });
  t.after(() => rpc.close());
  const mgmtd = MgmtdClient.create({ rpc, addresses: mgmtdAddresses(dataDir), log: () => undefined });
  t.after(() => mgmtd.close());
  await mgmtd.refreshRouting();
  return { secret, rpc, mgmtd };
}
