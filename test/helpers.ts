/**
 * Shared test fixtures. `npm test` (scripts/run-tests.ts) starts one throw-away Temporal dev server per run and
 * prebuilds the workflow bundle; tests get the address from TEMPORAL_ADDRESS and use a unique task queue each, so
 * they can share the server. Run a single file with `node --import tsx scripts/run-tests.ts test/x.test.ts`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import type { Session } from '../client/smallpond/index.ts';
import { init } from '../client/smallpond/index.ts';
import type { SessionOptions } from '../client/smallpond/index.ts';

let runtimeInstalled = false;

/** Quiet the SDK's own logging in tests (warnings and errors only). */
export function quietTemporal(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* already installed by another fixture */
  }
}

export function temporalAddress(): string {
  const address = process.env['TEMPORAL_ADDRESS'];
  if (address === undefined || address === '') {
    throw new Error('TEMPORAL_ADDRESS is not set: run tests through `npm test` or `node --import tsx scripts/run-tests.ts <file>`');
  }
  return address;
}

/** A fresh temp directory removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'fp-'): string {
  const dir = mkdtempSync(join(process.env['FIREPOND_TEST_TMP'] ?? tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A session on the run's dev server with its own task queue and an in-process worker, shut down when the test ends.
 * Retries are quick so crash tests stay short.
 */
export async function testSession(t: TestContext, options: SessionOptions = {}): Promise<Session> {
  quietTemporal();
  const dataDir = tempDir(t, 'fp-session-');
  const sp = await init({
    dataDir,
    temporalAddress: temporalAddress(),
    startWorker: true,
    progress: false,
    jobId: `t-${randomUUID().slice(0, 8)}`,
    workerConcurrency: 2,
    memoryLimit: '512MB',
    ...options,
    execution: { taskQueue: `test-${randomUUID()}`, retryInitialIntervalMs: 200, heartbeatTimeoutMs: 10_000, ...options.execution },
  });
  t.after(() => sp.shutdown());
  return sp;
}
