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
import { after, before } from 'node:test';
import { configureTemporalRuntime } from '../infra/temporal/index.ts';
import type { Session } from '../client/smallpond/index.ts';
import { init } from '../client/smallpond/index.ts';
import type { SessionOptions } from '../client/smallpond/index.ts';

/** Quiet the SDK's own logging in tests (errors only, unless FIREPOND_LOG_LEVEL says otherwise). */
export function quietTemporal(): void {
  process.env['FIREPOND_LOG_LEVEL'] ??= 'ERROR';
  configureTemporalRuntime();
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
  const dir = makeTempDir(prefix);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function sessionOptions(dataDir: string, options: SessionOptions): SessionOptions {
  return {
    dataDir,
    temporalAddress: temporalAddress(),
    startWorker: true,
    progress: false,
    jobId: `t-${randomUUID().slice(0, 8)}`,
    workerConcurrency: 2,
    memoryLimit: '512MB',
    ...options,
    execution: { taskQueue: `test-${randomUUID()}`, retryInitialIntervalMs: 200, heartbeatTimeoutMs: 10_000, ...options.execution },
  };
}

function makeTempDir(prefix: string): string {
  return mkdtempSync(join(process.env['FIREPOND_TEST_TMP'] ?? tmpdir(), prefix));
}

/**
 * A session on the run's dev server with its own task queue and an in-process worker, shut down when the test ends.
 * Retries are quick so crash tests stay short. Its data directory is removed after the shutdown (after-hooks run in
 * the order they are registered, so the two share one hook: shutdown still needs the job root to write `.STATUS`).
 */
export async function testSession(t: TestContext, options: SessionOptions = {}): Promise<Session> {
  quietTemporal();
  const dataDir = makeTempDir('fp-session-');
  let sp: Session;
  try {
    sp = await init(sessionOptions(dataDir, options));
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  t.after(async () => {
    try {
      await sp.shutdown();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  return sp;
}

/**
 * One session for a whole file or `describe` block: started in a `before` hook, shut down (then its data directory
 * removed) in an `after` hook. Call it at the top of the block; the returned getter gives the session inside tests.
 */
export function sharedSession(options: SessionOptions = {}): () => Session {
  let sp: Session | null = null;
  let dataDir: string | null = null;
  before(async () => {
    quietTemporal();
    dataDir = makeTempDir('fp-session-');
    sp = await init(sessionOptions(dataDir, options));
  });
  after(async () => {
    try {
      await sp?.shutdown();
    } finally {
      if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
    }
  });
  return () => {
    if (sp === null) throw new Error('the shared session is not started yet (use it inside tests, not at load time)');
    return sp;
  };
}

/** A temp directory for a whole file or `describe` block, removed in an `after` hook. */
export function sharedTempDir(prefix = 'fp-'): () => string {
  let dir: string | null = null;
  before(() => {
    dir = makeTempDir(prefix);
  });
  after(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === null) throw new Error('the shared temp dir is not created yet');
    return dir;
  };
}
