import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { firepondPlugins } from './plugins.ts';
import { WORKFLOWS_PATH } from './worker.ts';

/** Bundles the workflows once (tests and production share one bundle instead of bundling per worker). */
export async function writeWorkflowBundle(path: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, plugins: firepondPlugins(), logger: new DefaultLogger('WARN') });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, code);
}
