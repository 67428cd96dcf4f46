import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { hasCode } from '../errors.ts';
import { copyToParquet } from './copy-to-parquet.ts';
import { createTableFromRows } from './create-table-from-rows.ts';
import { queryToArrow } from './query-to-arrow.ts';
import { readRows } from './read-rows.ts';
import { openDuckDB } from './session.ts';
import { sqlString } from './sql-text.ts';

async function setUp(t: TestContext): Promise<{ connection: DuckDBConnection; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "firepond-parquet-it's-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const session = await openDuckDB({ threads: 2, memoryLimit: '512MB' });
  t.after(() => session.close());
  return { connection: session.connection, dir };
}

async function parquetLayout(connection: DuckDBConnection, path: string): Promise<{ groups: unknown; codecs: unknown[] }> {
  const [row] = await readRows(
    connection,
    `SELECT count(DISTINCT row_group_id) AS groups, list(DISTINCT compression ORDER BY compression) AS codecs FROM parquet_metadata(${sqlString(path)})`,
  );
  return { groups: row?.['groups'], codecs: row?.['codecs'] as unknown[] };
}

test('rows → table → Parquet → Arrow round trip keeps values, nulls and types', async (t) => {
  const { connection, dir } = await setUp(t);
  const rows = [
    { id: 1, name: 'alpha', score: 1.5, ok: true, at: new Date('2024-05-06T07:08:09.123Z'), big: 2n ** 60n },
    { id: 2, name: null, score: -0.25, ok: false, at: null, big: null },
    { id: 3, name: "o'brien", score: null, ok: null, at: new Date('1969-07-20T20:17:40Z'), big: -1n },
  ];
  await createTableFromRows(connection, rows, null, 'people');
  const path = join(dir, 'people.parquet');
  assert.equal(await copyToParquet(connection, 'SELECT * FROM people ORDER BY id', path), 3);

  const table = await queryToArrow(connection, `SELECT * FROM read_parquet(${sqlString(path)})`);
  assert.deepEqual(table.schema.fields.map((field) => `${field.name}: ${String(field.type)}`), [
    'id: Int64', 'name: Utf8', 'score: Float64', 'ok: Bool', 'at: Timestamp<MICROSECOND>', 'big: Int64',
  ]);
  assert.deepEqual(table.toArray().map((row) => row.toJSON()), [
    { id: 1n, name: 'alpha', score: 1.5, ok: true, at: Date.parse('2024-05-06T07:08:09.123Z'), big: 2n ** 60n },
    { id: 2n, name: null, score: -0.25, ok: false, at: null, big: null },
    { id: 3n, name: "o'brien", score: null, ok: null, at: Date.parse('1969-07-20T20:17:40Z'), big: -1n },
  ]);
  assert.deepEqual(await parquetLayout(connection, path), { groups: 1, codecs: ['ZSTD'] });
});

test('row group size and compression are honoured, and the count is every row', async (t) => {
  const { connection, dir } = await setUp(t);
  const path = join(dir, 'range.parquet');
  const written = await copyToParquet(connection, 'SELECT range AS i, range::VARCHAR AS s FROM range(10000);', path, {
    rowGroupSize: 2048,
    compression: 'snappy',
  });
  assert.equal(written, 10_000);
  assert.deepEqual(await parquetLayout(connection, path), { groups: 5, codecs: ['SNAPPY'] });
  assert.deepEqual(await readRows(connection, `SELECT count(*) AS n, sum(i) AS total FROM ${sqlString(path)}`), [{ n: 10_000, total: 49_995_000 }]);

  const plain = join(dir, 'plain.parquet');
  assert.equal(await copyToParquet(connection, 'SELECT 1 AS one', plain, { compression: 'uncompressed' }), 1);
  assert.deepEqual(await parquetLayout(connection, plain), { groups: 1, codecs: ['UNCOMPRESSED'] });
});

test('an empty result writes a zero-row file that keeps the schema', async (t) => {
  const { connection, dir } = await setUp(t);
  const path = join(dir, 'empty.parquet');
  assert.equal(await copyToParquet(connection, `SELECT 1::INTEGER AS a, 'x' AS b WHERE false`, path), 0);
  const table = await queryToArrow(connection, `SELECT * FROM ${sqlString(path)}`);
  assert.equal(table.numRows, 0);
  assert.deepEqual(table.schema.fields.map((field) => `${field.name}: ${String(field.type)}`), ['a: Int32', 'b: Utf8']);
});

test('invalid options are INVALID_ARGUMENT and write nothing', async (t) => {
  const { connection, dir } = await setUp(t);
  const path = join(dir, 'never.parquet');
  await assert.rejects(copyToParquet(connection, 'SELECT 1', path, { rowGroupSize: 0 }), (err) => hasCode(err, 'INVALID_ARGUMENT') && /rowGroupSize/.test(err.message));
  const compression = 'lz4' as 'zstd';
  await assert.rejects(copyToParquet(connection, 'SELECT 1', path, { compression }), (err) => hasCode(err, 'INVALID_ARGUMENT') && /compression/.test(err.message));
  await assert.rejects(readRows(connection, `SELECT * FROM ${sqlString(path)}`), /No files found|does not exist/);
});
