import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { Type } from 'apache-arrow';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDuckDB } from './session.ts';
import { queryToArrow } from './query-to-arrow.ts';

async function connect(t: TestContext): Promise<DuckDBConnection> {
  const session = await openDuckDB({ threads: 2, memoryLimit: '512MB' });
  t.after(() => session.close());
  return session.connection;
}

test('column names, order and types map as documented', async (t) => {
  const connection = await connect(t);
  const table = await queryToArrow(
    connection,
    `SELECT 1::BIGINT AS b, 2::INTEGER AS i, 3::SMALLINT AS s, 4::TINYINT AS t, 5::UBIGINT AS ub, 6::UINTEGER AS ui,
       7::USMALLINT AS us, 8::UTINYINT AS ut, 1.5::DOUBLE AS d, 2.5::FLOAT AS f, true AS bo, 'x' AS v, 'ab'::BLOB AS bl,
       DATE '2024-01-02' AS dt, TIMESTAMP '2024-01-02 03:04:05.678901' AS ts, 1.25::DECIMAL(5,2) AS dec,
       TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tz, 10::HUGEINT AS h, [1, 2] AS l, INTERVAL 3 DAY AS iv`,
  );
  assert.deepEqual(
    table.schema.fields.map((field) => `${field.name}: ${String(field.type)}`),
    [
      'b: Int64', 'i: Int32', 's: Int16', 't: Int8', 'ub: Uint64', 'ui: Uint32', 'us: Uint16', 'ut: Uint8',
      'd: Float64', 'f: Float32', 'bo: Bool', 'v: Utf8', 'bl: Binary', 'dt: Date32<DAY>', 'ts: Timestamp<MICROSECOND>',
      'dec: Float64', 'tz: Timestamp<MICROSECOND, UTC>', 'h: Float64', 'l: Utf8', 'iv: Utf8',
    ],
  );
  assert.deepEqual(table.toArray().map((row) => row.toJSON()), [
    {
      b: 1n, i: 2, s: 3, t: 4, ub: 5n, ui: 6, us: 7, ut: 8, d: 1.5, f: 2.5, bo: true, v: 'x', bl: new Uint8Array([97, 98]),
      dt: Date.UTC(2024, 0, 2), ts: Date.UTC(2024, 0, 2, 3, 4, 5, 678) + 0.901, dec: 1.25, tz: Date.UTC(2024, 0, 2, 3, 4, 5),
      h: 10, l: '[1, 2]', iv: '3 days',
    },
  ]);
  // Arrow's getter rounds to float milliseconds; the buffer keeps every microsecond.
  assert.deepEqual([...(table.getChild('ts')?.data[0]?.values ?? [])], [1704164645678901n]);
  assert.deepEqual([...(table.getChild('dt')?.data[0]?.values ?? [])], [19724]);
});

test('nulls are kept in every column type', async (t) => {
  const connection = await connect(t);
  const table = await queryToArrow(
    connection,
    `SELECT * FROM (VALUES
       (1, 10::BIGINT, 1.5::DOUBLE, 'a', true, DATE '2024-01-01', TIMESTAMP '2024-01-01', 'x'::BLOB, [1]),
       (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
       (3, -30::BIGINT, -2.5::DOUBLE, '', false, DATE '1969-12-31', TIMESTAMP '1969-12-31 23:59:59', ''::BLOB, [])
     ) v(id, b, d, s, bo, dt, ts, bl, l) ORDER BY id`,
  );
  const column = (name: string): unknown[] => [...(table.getChild(name) ?? [])];
  assert.deepEqual(column('b'), [10n, null, -30n]);
  assert.deepEqual(column('d'), [1.5, null, -2.5]);
  assert.deepEqual(column('s'), ['a', null, '']);
  assert.deepEqual(column('bo'), [true, null, false]);
  assert.deepEqual(column('dt'), [Date.UTC(2024, 0, 1), null, Date.UTC(1969, 11, 31)]);
  assert.deepEqual(column('ts'), [Date.UTC(2024, 0, 1), null, Date.UTC(1969, 11, 31, 23, 59, 59)]);
  assert.deepEqual(column('bl'), [new Uint8Array([120]), null, new Uint8Array([])]);
  assert.deepEqual(column('l'), ['[1]', null, '[]']);
  assert.equal(table.getChild('b')?.nullCount, 1);
  assert.equal(table.getChild('id')?.nullCount, 0);
});

test('an empty result keeps its schema', async (t) => {
  const connection = await connect(t);
  const table = await queryToArrow(connection, `SELECT 1::BIGINT AS a, 'x' AS b, 1.5 AS c WHERE false`);
  assert.equal(table.numRows, 0);
  assert.deepEqual(table.schema.fields.map((field) => [field.name, field.type.typeId]), [
    ['a', Type.Int],
    ['b', Type.Utf8],
    ['c', Type.Float],
  ]);
  assert.deepEqual(table.toArray(), []);
});

test('200k rows convert exactly, across many DuckDB chunks', async (t) => {
  const connection = await connect(t);
  const n = 200_000;
  const table = await queryToArrow(
    connection,
    `SELECT range AS id, range * 0.5 AS half, CASE WHEN range % 7 = 0 THEN NULL ELSE 'row-' || range END AS label,
       range % 2 = 0 AS even, (range % 1000)::INTEGER AS small
     FROM range(${n}) ORDER BY range`,
  );
  assert.equal(table.numRows, n);
  const ids = table.getChild('id')?.toArray();
  assert.ok(ids instanceof BigInt64Array);
  assert.ok(ids.every((value, index) => value === BigInt(index)));
  const half = table.getChild('half')?.toArray();
  assert.ok(half instanceof Float64Array);
  assert.ok(half.every((value, index) => value === index * 0.5));
  const small = table.getChild('small')?.toArray();
  assert.ok(small instanceof Int32Array);
  assert.ok(small.every((value, index) => value === index % 1000));
  const labels = table.getChild('label');
  const even = table.getChild('even');
  assert.equal(labels?.nullCount, Math.ceil(n / 7));
  for (const index of [0, 1, 2047, 2048, 2049, 99_999, 199_998, 199_999]) {
    assert.equal(labels?.get(index), index % 7 === 0 ? null : `row-${index}`, `label ${index}`);
    assert.equal(even?.get(index), index % 2 === 0, `even ${index}`);
  }
});
