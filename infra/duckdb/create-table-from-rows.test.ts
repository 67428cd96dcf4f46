import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { hasCode } from '../errors.ts';
import { createTableFromRows } from './create-table-from-rows.ts';
import { readRows } from './read-rows.ts';
import { openDuckDB } from './session.ts';

async function connect(t: TestContext): Promise<DuckDBConnection> {
  const session = await openDuckDB({ threads: 1, memoryLimit: '256MB' });
  t.after(() => session.close());
  return session.connection;
}

async function columnTypes(connection: DuckDBConnection, table: string): Promise<[unknown, unknown][]> {
  const rows = await readRows(connection, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`);
  return rows.map((row) => [row['column_name'], row['data_type']]);
}

async function tableExists(connection: DuckDBConnection, table: string): Promise<boolean> {
  const [row] = await readRows(connection, `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = '${table}'`);
  return row?.['n'] === 1;
}

test('inferred schema: types from values, missing keys are NULL, order kept', async (t) => {
  const connection = await connect(t);
  const rows = [
    { id: 1, name: 'a', score: 0.5, ok: true, at: new Date('2024-01-02T03:04:05.678Z'), tags: ['x', 'y'], raw: new Uint8Array([1, 2]) },
    { id: 2, score: 2, extra: { nested: [1, 2n] } },
    { id: 9007199254740993n, name: null, ok: false },
  ];
  await createTableFromRows(connection, rows, null, 'inferred');
  assert.deepEqual(await columnTypes(connection, 'inferred'), [
    ['id', 'BIGINT'], ['name', 'VARCHAR'], ['score', 'DOUBLE'], ['ok', 'BOOLEAN'], ['at', 'TIMESTAMP'], ['tags', 'VARCHAR'],
    ['raw', 'BLOB'], ['extra', 'VARCHAR'],
  ]);
  assert.deepEqual(await readRows(connection, 'SELECT * FROM inferred'), [
    { id: 1, name: 'a', score: 0.5, ok: true, at: new Date('2024-01-02T03:04:05.678Z'), tags: '["x","y"]', raw: new Uint8Array([1, 2]), extra: null },
    { id: 2, name: null, score: 2, ok: null, at: null, tags: null, raw: null, extra: '{"nested":[1,2]}' },
    { id: 9007199254740993n, name: null, score: null, ok: false, at: null, tags: null, raw: null, extra: null },
  ]);
});

test('explicit schema: fixes columns and order, ignores extra keys, converts to each type', async (t) => {
  const connection = await connect(t);
  const schema = {
    small: 'SMALLINT', big: 'BIGINT', huge: 'HUGEINT', real: 'FLOAT', dec: 'DECIMAL(10,2)', text: 'VARCHAR', day: 'DATE',
    tz: 'TIMESTAMPTZ', ints: 'INTEGER[]', pair: 'STRUCT(a INTEGER, b VARCHAR)', lookup: 'MAP(VARCHAR, DOUBLE)', doc: 'JSON',
    id: 'UUID',
  };
  const rows = [
    {
      ignored: 'not in schema', small: -5, big: 2n ** 62n, huge: -(2n ** 100n), real: 0.5, dec: 12.34, text: 'hi',
      day: new Date('2024-03-01T23:59:59Z'), tz: new Date('2024-03-01T12:00:00Z'), ints: [1, null, 3], pair: { a: 1, b: 'x' },
      lookup: { k: 1.5 }, doc: { a: [1, 'b'] }, id: '4b0d1e4e-6d6a-4f7e-9c43-6f3e1c8a9b10',
    },
    { small: 7 },
  ];
  await createTableFromRows(connection, rows, schema, 'explicit');
  assert.deepEqual(await columnTypes(connection, 'explicit'), [
    ['small', 'SMALLINT'], ['big', 'BIGINT'], ['huge', 'HUGEINT'], ['real', 'FLOAT'], ['dec', 'DECIMAL(10,2)'], ['text', 'VARCHAR'],
    ['day', 'DATE'], ['tz', 'TIMESTAMP WITH TIME ZONE'], ['ints', 'INTEGER[]'], ['pair', 'STRUCT(a INTEGER, b VARCHAR)'],
    ['lookup', 'MAP(VARCHAR, DOUBLE)'], ['doc', 'JSON'], ['id', 'UUID'],
  ]);
  assert.deepEqual(await readRows(connection, 'SELECT * FROM explicit'), [
    {
      small: -5, big: 2n ** 62n, huge: -(2n ** 100n), real: 0.5, dec: 12.34, text: 'hi', day: new Date('2024-03-01T00:00:00Z'),
      tz: new Date('2024-03-01T12:00:00Z'), ints: [1, null, 3], pair: { a: 1, b: 'x' }, lookup: { k: 1.5 }, doc: '{"a":[1,"b"]}',
      id: '4b0d1e4e-6d6a-4f7e-9c43-6f3e1c8a9b10',
    },
    { small: 7, big: null, huge: null, real: null, dec: null, text: null, day: null, tz: null, ints: null, pair: null, lookup: null, doc: null, id: null },
  ]);
});

test('a value that does not fit names the column, the row and the value, and leaves no table', async (t) => {
  const connection = await connect(t);
  const rows = [{ n: 1 }, { n: 2 }, { n: 'three' }];
  await assert.rejects(createTableFromRows(connection, rows, { n: 'BIGINT' }, 'bad'), (err) => {
    assert.ok(hasCode(err, 'INVALID_ARGUMENT'));
    assert.equal(err.message, 'column "n" (BIGINT), row 2: value "three" does not fit: expected an integer in the BIGINT range');
    assert.deepEqual(err.context, { column: 'n', row: 2, type: 'BIGINT' });
    return true;
  });
  assert.equal(await tableExists(connection, 'bad'), false);
});

test('more mismatches: range, fractions, nested items, struct fields, past the first chunk', async (t) => {
  const connection = await connect(t);
  const cases: [Record<string, unknown>[], Record<string, string>, RegExp][] = [
    [[{ x: 128 }], { x: 'TINYINT' }, /^column "x" \(TINYINT\), row 0: value 128 does not fit: expected an integer in the TINYINT range$/],
    [[{ x: 1.5 }], { x: 'INTEGER' }, /row 0: value 1\.5 does not fit/],
    [[{ x: 2n ** 64n }], { x: 'BIGINT' }, /row 0: value 18446744073709551616n does not fit/],
    [[{ x: 1 }], { x: 'VARCHAR' }, /row 0: value 1 does not fit: expected a string/],
    [[{ x: 'yes' }], { x: 'BOOLEAN' }, /value "yes" does not fit: expected a boolean/],
    [[{ x: '2024-01-01' }], { x: 'TIMESTAMP' }, /expected a valid Date/],
    [[{ x: [1, 'b'] }], { x: 'INTEGER[]' }, /value \[1,"b"\] does not fit: item 1: expected an integer/],
    [[{ x: { a: 1, z: 2 } }], { x: 'STRUCT(a INTEGER)' }, /expected only the fields a; found "z"/],
    [[{ x: 123456.789 }], { x: 'DECIMAL(5,2)' }, /expected a finite number that fits DECIMAL\(5,2\)/],
    [[...Array.from({ length: 5000 }, (_, i) => ({ x: i })), { x: null }, { x: true }], { x: 'BIGINT' }, /row 5001: value true does not fit/],
  ];
  for (const [rows, schema, message] of cases) {
    await assert.rejects(createTableFromRows(connection, rows, schema, 'mismatch'), (err) => hasCode(err, 'INVALID_ARGUMENT') && message.test(err.message));
    assert.equal(await tableExists(connection, 'mismatch'), false);
  }
});

test('zero rows: an empty table with a schema, INVALID_ARGUMENT without one', async (t) => {
  const connection = await connect(t);
  await createTableFromRows(connection, [], { a: 'BIGINT', b: 'VARCHAR' }, 'empty');
  assert.deepEqual(await columnTypes(connection, 'empty'), [['a', 'BIGINT'], ['b', 'VARCHAR']]);
  assert.deepEqual(await readRows(connection, 'SELECT * FROM empty'), []);
  await assert.rejects(createTableFromRows(connection, [], null, 'nothing'), (err) => hasCode(err, 'INVALID_ARGUMENT') && /zero rows/.test(err.message));
  assert.equal(await tableExists(connection, 'nothing'), false);
});

test('bad schemas and non-object rows are INVALID_ARGUMENT', async (t) => {
  const connection = await connect(t);
  await assert.rejects(createTableFromRows(connection, [{ a: 1 }], { a: 'NOT_A_TYPE' }, 't1'), (err) => hasCode(err, 'INVALID_ARGUMENT') && /NOT_A_TYPE/.test(err.message));
  await assert.rejects(createTableFromRows(connection, [{ a: 1 }], {}, 't2'), (err) => hasCode(err, 'INVALID_ARGUMENT') && /without columns/.test(err.message));
  await assert.rejects(createTableFromRows(connection, [{ a: 1 }], { a: 'TIME' }, 't3'), (err) => hasCode(err, 'INVALID_ARGUMENT') && /type TIME/.test(err.message));
  const scalars = [1, 'x'] as unknown as Record<string, unknown>[];
  await assert.rejects(createTableFromRows(connection, scalars, null, 't4'), (err) => hasCode(err, 'INVALID_ARGUMENT') && /row 0 is not a plain object: 1/.test(err.message));
  for (const table of ['t1', 't2', 't3', 't4']) assert.equal(await tableExists(connection, table), false);
});

test('many rows keep their order', async (t) => {
  const connection = await connect(t);
  const rows = Array.from({ length: 10_000 }, (_, i) => ({ i, s: `v${i}`, half: i / 2 }));
  await createTableFromRows(connection, rows, null, 'ordered');
  const back = await readRows(connection, 'SELECT * FROM ordered');
  assert.deepEqual(back, rows);
});
