import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { down } from '../../infra/cluster/index.ts';

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
