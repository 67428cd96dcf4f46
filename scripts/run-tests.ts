/**
 * Runs every test (`*.test.ts` beside the code, multi-process tests in `test/`) with node's test runner against one
 * throw-away Temporal dev server and one prebuilt workflow bundle, shared by the whole run. The server is stopped at
 * the end, also when tests fail or the run is interrupted.
 *
 *   node --import tsx scripts/run-tests.ts [--unit] [files...]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { writeWorkflowBundle } from '../activities/bundle.ts';
import { startDevServer, stopDevServer } from '../infra/temporal/index.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const explicit = args.filter((a) => !a.startsWith('--'));

function findTests(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.') || e.name === 'scratch') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) findTests(p, out);
    else if (e.name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files = explicit.length > 0 ? explicit : findTests(root, []).sort();
if (unitOnly) files = files.filter((f) => !f.startsWith('test/'));

const dataDir = mkdtempSync(join(tmpdir(), 'firepond-test-'));
let stopping = false;
const cleanup = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await stopDevServer(dataDir).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().then(() => process.exit(130)));

let code = 1;
try {
  const bundle = join(dataDir, 'workflow-bundle.js');
  console.log('[tests] bundling workflows once for the run');
  await writeWorkflowBundle(bundle);
  console.log('[tests] starting a Temporal dev server for the run');
  const server = await startDevServer({
    dataDir,
    port: 0,
    uiPort: null,
    ephemeral: true,
    searchAttributes: SEARCH_ATTRIBUTES,
    // Small continue-as-new suggestion so the limit path runs in tests too.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 2000 },
  });
  console.log(`[tests] server ${server.address}; ${files.length} test files`);
  code = await new Promise<number>((resolveCode) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TEMPORAL_ADDRESS: server.address, FIREPOND_WORKFLOW_BUNDLE: bundle, FIREPOND_TEST_TMP: dataDir },
    });
    child.on('exit', (c, signal) => resolveCode(c ?? (signal === null ? 1 : 128)));
  });
} finally {
  await cleanup();
}
process.exit(code);
