import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectClient, ensureSearchAttributes, readDevServerInfo, startDevServer, stopDevServer } from '../infra/temporal/index.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';
import { tempDir } from './helpers.ts';

test('a data dir\'s dev server starts, is reused, keeps state in SQLite across restarts, and stops', { timeout: 120_000 }, async (t) => {
  // Registered before tempDir's own hook: node runs `after` hooks in registration order, and the server must be
  // stopped while its record in the data dir still exists.
  let dataDir = '';
  t.after(() => stopDevServer(dataDir));
  dataDir = tempDir(t, 'fp-devserver-');
  const first = await startDevServer({ dataDir, port: 0, uiPort: null });
  assert.equal(first.reused, false);
  assert.match(first.address, /^127\.0\.0\.1:\d+$/);
  const again = await startDevServer({ dataDir, port: 0, uiPort: null });
  assert.equal(again.reused, true);
  assert.equal(again.pid, first.pid);

  // Another data dir asking for the same port is refused instead of mistaking our server for its own.
  const other = tempDir(t, 'fp-devserver-other-');
  const port = Number(first.address.split(':')[1]);
  await assert.rejects(startDevServer({ dataDir: other, port, uiPort: null }), /port 127\.0\.0\.1:\d+ is already in use/);

  // Search attributes are added on a server that lacks them, once.
  let handle = await connectClient(first.address);
  assert.deepEqual((await ensureSearchAttributes(handle.connection, 'default', SEARCH_ATTRIBUTES)).sort(), SEARCH_ATTRIBUTES.map((s) => s.name).sort());
  assert.deepEqual(await ensureSearchAttributes(handle.connection, 'default', SEARCH_ATTRIBUTES), []);
  // Leave a trace that must survive a restart: a workflow execution started on a queue nobody polls.
  await handle.client.workflow.start('pipeline', { workflowId: 'survives-restart', taskQueue: 'nobody-polls', args: [] });
  await handle.close();

  assert.equal(await stopDevServer(dataDir), true);
  assert.equal(readDevServerInfo(dataDir), null);
  assert.equal(await stopDevServer(dataDir), false);

  const restarted = await startDevServer({ dataDir, port: 0, uiPort: null });
  assert.equal(restarted.reused, false);
  handle = await connectClient(restarted.address);
  t.after(() => handle.close());
  const d = await handle.client.workflow.getHandle('survives-restart').describe();
  assert.equal(d.status.name, 'RUNNING');
  await handle.client.workflow.getHandle('survives-restart').terminate('test done');
});
