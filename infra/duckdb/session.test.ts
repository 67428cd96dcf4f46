import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { hasCode } from '../errors.ts';
import { openDuckDB } from './session.ts';
import { readRows } from './read-rows.ts';

const settingsSql = `SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory_limit,
  current_setting('preserve_insertion_order') AS preserve, current_setting('temp_directory') AS temp,
  current_setting('enable_external_access') AS external`;

test('openDuckDB applies threads, memory limit, insertion order and temp directory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'firepond-duckdb-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const session = await openDuckDB({ threads: 3, memoryLimit: '256MB', preserveInsertionOrder: false, tempDirectory: dir });
  t.after(() => session.close());
  const [settings] = await readRows(session.connection, settingsSql);
  // DuckDB reports sizes in binary units: 256 MB = 244.1 MiB.
  assert.deepEqual(settings, { threads: 3, memory_limit: '244.1 MiB', preserve: false, temp: dir, external: true });
});

test('null memory limit and absent options keep DuckDB defaults', async (t) => {
  const session = await openDuckDB({ threads: 1, memoryLimit: null });
  t.after(() => session.close());
  const [settings] = await readRows(session.connection, settingsSql);
  assert.equal(settings?.['threads'], 1);
  assert.equal(settings?.['preserve'], true);
  assert.equal(settings?.['external'], true);
  const plain = await DuckDBInstance.create(':memory:');
  t.after(() => plain.closeSync());
  const plainConnection = await plain.connect();
  t.after(() => plainConnection.closeSync());
  const [defaults] = await readRows(plainConnection, `SELECT current_setting('memory_limit') AS memory_limit`);
  assert.equal(settings?.['memory_limit'], defaults?.['memory_limit']);
});

test('each call opens its own instance', async (t) => {
  const a = await openDuckDB({ threads: 1, memoryLimit: null });
  t.after(() => a.close());
  const b = await openDuckDB({ threads: 1, memoryLimit: null });
  t.after(() => b.close());
  await a.connection.run('CREATE TABLE only_in_a AS SELECT 42 AS x');
  assert.deepEqual(await readRows(a.connection, 'SELECT x FROM only_in_a'), [{ x: 42 }]);
  await assert.rejects(readRows(b.connection, 'SELECT x FROM only_in_a'), /only_in_a/);
});

test('close is idempotent and the connection is unusable afterwards', async () => {
  const session = await openDuckDB({ threads: 1, memoryLimit: null });
  assert.deepEqual(await readRows(session.connection, 'SELECT 1 AS one'), [{ one: 1 }]);
  session.close();
  session.close();
  await assert.rejects(readRows(session.connection, 'SELECT 1 AS one'));
});

test('bad settings are INVALID_ARGUMENT', async () => {
  for (const threads of [0, -1, 1.5, Number.NaN]) {
    await assert.rejects(openDuckDB({ threads, memoryLimit: null }), (err) => hasCode(err, 'INVALID_ARGUMENT') && /threads/.test(err.message));
  }
  await assert.rejects(
    openDuckDB({ threads: 1, memoryLimit: 'lots' }),
    (err) => hasCode(err, 'INVALID_ARGUMENT') && /memory_limit/.test(err.message),
  );
});
