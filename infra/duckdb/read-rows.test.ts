import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { numberIfSafe } from './duckdb-to-js.ts';
import { openDuckDB } from './session.ts';
import { readRows } from './read-rows.ts';

async function connect(t: TestContext): Promise<DuckDBConnection> {
  const session = await openDuckDB({ threads: 1, memoryLimit: '256MB' });
  t.after(() => session.close());
  return session.connection;
}

test('numberIfSafe: number exactly when the integer is safe', () => {
  assert.equal(numberIfSafe(2n ** 53n - 1n), 2 ** 53 - 1);
  assert.equal(numberIfSafe(-(2n ** 53n - 1n)), -(2 ** 53 - 1));
  assert.equal(numberIfSafe(2n ** 53n), 2n ** 53n);
  assert.equal(numberIfSafe(-(2n ** 53n)), -(2n ** 53n));
});

test('integers are numbers when safe and bigints otherwise, per value', async (t) => {
  const connection = await connect(t);
  const rows = await readRows(
    connection,
    `SELECT * FROM (VALUES
       (1, 9007199254740991::BIGINT, 1::UBIGINT, 7::HUGEINT),
       (2, 9007199254740993::BIGINT, 12345678901234567890::UBIGINT, 12345678901234567890::HUGEINT),
       (3, -9007199254740993::BIGINT, 18446744073709551615::UBIGINT, '-170141183460469231731687303715884105728'::HUGEINT)
     ) v(id, b, ub, h) ORDER BY id`,
  );
  assert.deepEqual(rows, [
    { id: 1, b: 2 ** 53 - 1, ub: 1, h: 7 },
    { id: 2, b: 9007199254740993n, ub: 12345678901234567890n, h: 12345678901234567890n },
    { id: 3, b: -9007199254740993n, ub: 18446744073709551615n, h: -(2n ** 127n) },
  ]);
  assert.equal(typeof rows[0]?.['b'], 'number');
  assert.equal(typeof rows[1]?.['b'], 'bigint');
});

test('small integer, float and decimal types become numbers', async (t) => {
  const connection = await connect(t);
  const rows = await readRows(
    connection,
    `SELECT -8::TINYINT AS ti, -16::SMALLINT AS si, -32::INTEGER AS i, 250::UTINYINT AS uti, 65000::USMALLINT AS usi,
       4000000000::UINTEGER AS ui, 1.5::FLOAT AS f, 0.1::DOUBLE AS d, 12345.67::DECIMAL(10,2) AS dec,
       -1234.5::DECIMAL(38,10) AS wide`,
  );
  assert.deepEqual(rows, [{ ti: -8, si: -16, i: -32, uti: 250, usi: 65000, ui: 4000000000, f: 1.5, d: 0.1, dec: 12345.67, wide: -1234.5 }]);
});

test('strings, booleans, blobs, dates and timestamps', async (t) => {
  const connection = await connect(t);
  const rows = await readRows(
    connection,
    `SELECT 'héllo' AS s, true AS yes, false AS no, '\\x00\\xFFa'::BLOB AS bytes, DATE '2024-02-29' AS day,
       DATE '1969-12-31' AS before_epoch, TIMESTAMP '2024-02-29 12:34:56.789' AS ts,
       TIMESTAMPTZ '2024-02-29 12:34:56+00' AS tstz, '2024-02-29 12:34:56'::TIMESTAMP_S AS ts_s,
       '2024-02-29 12:34:56.789'::TIMESTAMP_MS AS ts_ms, '1969-12-31 23:59:59.9999995'::TIMESTAMP_NS AS ts_ns,
       'infinity'::TIMESTAMP AS forever, 'infinity'::DATE AS forever_day, '-infinity'::DATE AS never_day,
       DATE '5881580-07-10' AS last_day`,
  );
  assert.deepEqual(rows, [
    {
      s: 'héllo',
      yes: true,
      no: false,
      bytes: new Uint8Array([0, 255, 97]),
      day: new Date('2024-02-29T00:00:00Z'),
      before_epoch: new Date('1969-12-31T00:00:00Z'),
      ts: new Date('2024-02-29T12:34:56.789Z'),
      tstz: new Date('2024-02-29T12:34:56Z'),
      ts_s: new Date('2024-02-29T12:34:56Z'),
      ts_ms: new Date('2024-02-29T12:34:56.789Z'),
      // Floors toward the past: 23:59:59.9999995 is still in the last millisecond of 1969.
      ts_ns: new Date('1969-12-31T23:59:59.999Z'),
      // A JS Date cannot hold infinity, so the string form comes back.
      forever: 'infinity',
      forever_day: 'infinity',
      never_day: '-infinity',
      // A finite date beyond the JS Date range keeps DuckDB's spelling.
      last_day: '5881580-07-10',
    },
  ]);
});

test('lists, arrays, structs and maps convert recursively', async (t) => {
  const connection = await connect(t);
  const rows = await readRows(
    connection,
    `SELECT [1, NULL, 9007199254740993] AS l, [[1, 2], []] AS nested, [1.5, 2.5]::DOUBLE[2] AS arr,
       {'a': 1, 'b': {'c': 'x', 'd': [true]}} AS st, [{'k': 1}, NULL] AS list_of_structs,
       MAP {'x': 1, 'y': NULL} AS by_name, MAP {1: 'one', 2: 'two'} AS by_number, []::INTEGER[] AS empty`,
  );
  assert.deepEqual(rows, [
    {
      l: [1, null, 9007199254740993n],
      nested: [[1, 2], []],
      arr: [1.5, 2.5],
      st: { a: 1, b: { c: 'x', d: [true] } },
      list_of_structs: [{ k: 1 }, null],
      by_name: { x: 1, y: null },
      by_number: [{ key: 1, value: 'one' }, { key: 2, value: 'two' }],
      empty: [],
    },
  ]);
});

test('NULL of every kind is null, and other types come back as their string form', async (t) => {
  const connection = await connect(t);
  const rows = await readRows(
    connection,
    `SELECT NULL AS untyped, NULL::BIGINT AS b, NULL::VARCHAR AS s, NULL::INTEGER[] AS l, NULL::STRUCT(a INT) AS st,
       INTERVAL 2 DAY AS iv, TIME '01:02:03' AS tm, '4b0d1e4e-6d6a-4f7e-9c43-6f3e1c8a9b10'::UUID AS id,
       'b'::ENUM('a', 'b') AS en`,
  );
  assert.deepEqual(rows, [
    { untyped: null, b: null, s: null, l: null, st: null, iv: '2 days', tm: '01:02:03', id: '4b0d1e4e-6d6a-4f7e-9c43-6f3e1c8a9b10', en: 'b' },
  ]);
});

test('many rows keep their order and repeated names are deduplicated', async (t) => {
  const connection = await connect(t);
  const rows = await readRows(connection, 'SELECT range AS i, range * 2 AS i FROM range(5000)');
  assert.equal(rows.length, 5000);
  assert.deepEqual(rows[0], { i: 0, 'i:1': 0 });
  assert.deepEqual(rows[4999], { i: 4999, 'i:1': 9998 });
  assert.ok(rows.every((row, index) => row['i'] === index));
});

test('an empty result is an empty array, and __proto__ is an ordinary key', async (t) => {
  const connection = await connect(t);
  assert.deepEqual(await readRows(connection, 'SELECT 1 AS a WHERE false'), []);
  const [row] = await readRows(connection, `SELECT 1 AS "__proto__", {'constructor': 2} AS st`);
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
  assert.deepEqual(Object.entries(row ?? {}), [['__proto__', 1], ['st', { constructor: 2 }]]);
});
