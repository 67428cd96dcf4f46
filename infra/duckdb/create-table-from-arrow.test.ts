import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import {
  Binary, Bool, DateDay, DateMillisecond, Dictionary, Field, Float32, Float64, Int16, Int32, Int64, Int8, LargeUtf8, List,
  Schema, Table, TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Uint16, Uint32, Uint64,
  Uint8, Utf8, makeData, makeVector, tableFromArrays, vectorFromArray,
} from 'apache-arrow';
import type { DuckDBConnection } from '@duckdb/node-api';
import { hasCode } from '../errors.ts';
import { createTableFromArrow } from './create-table-from-arrow.ts';
import { queryToArrow } from './query-to-arrow.ts';
import { readRows } from './read-rows.ts';
import { openDuckDB } from './session.ts';

async function connect(t: TestContext): Promise<DuckDBConnection> {
  const session = await openDuckDB({ threads: 2, memoryLimit: '512MB' });
  t.after(() => session.close());
  return session.connection;
}

async function columnTypes(connection: DuckDBConnection, table: string): Promise<Record<string, unknown>> {
  const rows = await readRows(connection, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`);
  return Object.fromEntries(rows.map((row) => [row['column_name'], row['data_type']]));
}

test('every supported Arrow type lands in its DuckDB type with values and nulls intact', async (t) => {
  const connection = await connect(t);
  const table = new Table({
    i8: vectorFromArray([-128, null, 127], new Int8()),
    i16: vectorFromArray([-32768, 1, null], new Int16()),
    i32: vectorFromArray([null, -2147483648, 2147483647], new Int32()),
    i64: vectorFromArray([-(2n ** 63n), 9007199254740993n, null], new Int64()),
    u8: vectorFromArray([255, null, 0], new Uint8()),
    u16: vectorFromArray([65535, 0, null], new Uint16()),
    u32: vectorFromArray([4294967295, null, 1], new Uint32()),
    u64: vectorFromArray([2n ** 64n - 1n, 1n, null], new Uint64()),
    f32: vectorFromArray([1.5, null, -0.25], new Float32()),
    f64: vectorFromArray([0.1, -1e300, null], new Float64()),
    bool: vectorFromArray([true, false, null], new Bool()),
    utf8: vectorFromArray(['héllo', null, ''], new Utf8()),
    large: vectorFromArray(['big', 'text', null], new LargeUtf8()),
    bin: vectorFromArray([new Uint8Array([0, 255]), null, new Uint8Array([])], new Binary()),
    day: vectorFromArray([new Date(Date.UTC(2024, 1, 29)), null, new Date(Date.UTC(1969, 11, 31))], new DateDay()),
    dayms: vectorFromArray([new Date(Date.UTC(2000, 0, 1)), new Date(Date.UTC(1900, 5, 15)), null], new DateMillisecond()),
  });
  await createTableFromArrow(connection, table, 'typed');
  assert.deepEqual(await columnTypes(connection, 'typed'), {
    i8: 'TINYINT', i16: 'SMALLINT', i32: 'INTEGER', i64: 'BIGINT', u8: 'UTINYINT', u16: 'USMALLINT', u32: 'UINTEGER',
    u64: 'UBIGINT', f32: 'FLOAT', f64: 'DOUBLE', bool: 'BOOLEAN', utf8: 'VARCHAR', large: 'VARCHAR', bin: 'BLOB',
    day: 'DATE', dayms: 'DATE',
  });
  assert.deepEqual(await readRows(connection, 'SELECT * FROM typed'), [
    {
      i8: -128, i16: -32768, i32: null, i64: -(2n ** 63n), u8: 255, u16: 65535, u32: 4294967295, u64: 2n ** 64n - 1n,
      f32: 1.5, f64: 0.1, bool: true, utf8: 'héllo', large: 'big', bin: new Uint8Array([0, 255]),
      day: new Date('2024-02-29T00:00:00Z'), dayms: new Date('2000-01-01T00:00:00Z'),
    },
    {
      i8: null, i16: 1, i32: -2147483648, i64: 9007199254740993n, u8: null, u16: 0, u32: null, u64: 1, f32: null,
      f64: -1e300, bool: false, utf8: null, large: 'text', bin: null, day: null, dayms: new Date('1900-06-15T00:00:00Z'),
    },
    {
      i8: 127, i16: null, i32: 2147483647, i64: null, u8: 0, u16: null, u32: 1, u64: null, f32: -0.25, f64: null,
      bool: null, utf8: '', large: null, bin: new Uint8Array([]), day: new Date('1969-12-31T00:00:00Z'), dayms: null,
    },
  ]);
});

test('timestamps keep every digit of their unit, and a time zone makes TIMESTAMPTZ', async (t) => {
  const connection = await connect(t);
  const ticks = (values: (bigint | null)[], type: TimestampSecond | TimestampMillisecond | TimestampMicrosecond | TimestampNanosecond) => {
    const data = new BigInt64Array(values.map((value) => value ?? 0n));
    const nullBitmap = new Uint8Array([values.reduce((bits, value, index) => (value === null ? bits : bits | (1 << index)), 0)]);
    return makeData({ type, length: values.length, nullCount: values.filter((value) => value === null).length, nullBitmap, data });
  };
  const table = new Table({
    s: ticks([1n, null], new TimestampSecond()),
    ms: ticks([-1n, 1_500n], new TimestampMillisecond()),
    us: ticks([1_704_164_645_678_901n, null], new TimestampMicrosecond()),
    ns: ticks([1_704_164_645_678_901_234n, -1n], new TimestampNanosecond()),
    utc: ticks([1_704_164_645_678_901n, null], new TimestampMicrosecond('UTC')),
  });
  await createTableFromArrow(connection, table, 'times');
  assert.deepEqual(await columnTypes(connection, 'times'), {
    s: 'TIMESTAMP', ms: 'TIMESTAMP', us: 'TIMESTAMP', ns: 'TIMESTAMP_NS', utc: 'TIMESTAMP WITH TIME ZONE',
  });
  const rows = await readRows(
    connection,
    `SELECT epoch_us(s) AS s, epoch_us(ms) AS ms, epoch_us(us) AS us, epoch_ns(ns) AS ns, epoch_us(utc) AS utc FROM times`,
  );
  assert.deepEqual(rows, [
    { s: 1_000_000, ms: -1_000, us: 1_704_164_645_678_901, ns: 1_704_164_645_678_901_234n, utc: 1_704_164_645_678_901 },
    { s: null, ms: 1_500_000, us: null, ns: -1, utc: null },
  ]);
});

test('other Arrow types fall back to VARCHAR holding their string form', async (t) => {
  const connection = await connect(t);
  const table = new Table({
    list: vectorFromArray([[1, 2], null, []], new List(new Field('item', new Int32(), true))),
    dict: vectorFromArray(['red', 'blue', 'red'], new Dictionary(new Utf8(), new Int32())),
  });
  await createTableFromArrow(connection, table, 'fallback');
  assert.deepEqual(await columnTypes(connection, 'fallback'), { list: 'VARCHAR', dict: 'VARCHAR' });
  assert.deepEqual(await readRows(connection, 'SELECT * FROM fallback'), [
    { list: '[1,2]', dict: 'red' },
    { list: null, dict: 'blue' },
    { list: '[]', dict: 'red' },
  ]);
});

test('several record batches are appended in order', async (t) => {
  const connection = await connect(t);
  const part = (from: number, count: number) =>
    tableFromArrays({ id: Int32Array.from({ length: count }, (_, i) => from + i), name: Array.from({ length: count }, (_, i) => `n${from + i}`) });
  const table = part(0, 3000).concat(part(3000, 10), part(3010, 5000));
  assert.equal(table.batches.length, 3);
  await createTableFromArrow(connection, table, 'batches');
  const rows = await readRows(connection, 'SELECT id, name FROM batches');
  assert.equal(rows.length, 8010);
  assert.ok(rows.every((row, index) => row['id'] === index && row['name'] === `n${index}`));
});

test('an empty Arrow table creates an empty table with its schema', async (t) => {
  const connection = await connect(t);
  const schema = new Schema([new Field('a', new Int64(), true), new Field('b', new Utf8(), true), new Field('c', new Bool(), true)]);
  await createTableFromArrow(connection, new Table(schema), 'empty');
  assert.deepEqual(await columnTypes(connection, 'empty'), { a: 'BIGINT', b: 'VARCHAR', c: 'BOOLEAN' });
  assert.deepEqual(await readRows(connection, 'SELECT count(*) AS n FROM empty'), [{ n: 0 }]);
});

test('a taken table name is INVALID_ARGUMENT and leaves the existing table alone', async (t) => {
  const connection = await connect(t);
  await connection.run('CREATE TABLE taken AS SELECT 1 AS x');
  await assert.rejects(
    createTableFromArrow(connection, tableFromArrays({ y: new Int32Array([1]) }), 'taken'),
    (err) => hasCode(err, 'INVALID_ARGUMENT') && /taken/.test(err.message),
  );
  assert.deepEqual(await readRows(connection, 'SELECT * FROM taken'), [{ x: 1 }]);
});

test('200k rows: Arrow → DuckDB → Arrow returns the same values', async (t) => {
  const connection = await connect(t);
  const n = 200_000;
  const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 3n - 7n);
  const scores = Float64Array.from({ length: n }, (_, i) => i / 8);
  const labels = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `label-${i}`));
  const source = new Table({
    id: makeVector(ids),
    score: makeVector(scores),
    label: vectorFromArray(labels, new Utf8()),
  });
  await createTableFromArrow(connection, source, 'big');
  assert.deepEqual(await readRows(connection, 'SELECT count(*) AS n, count(label) AS labelled, sum(id) AS ids FROM big'), [
    { n, labelled: n - n / 5, ids: Number(ids.reduce((a, b) => a + b, 0n)) },
  ]);
  const back = await queryToArrow(connection, 'SELECT * FROM big');
  assert.equal(back.numRows, n);
  assert.deepEqual(back.getChild('id')?.toArray(), ids);
  assert.deepEqual(back.getChild('score')?.toArray(), scores);
  assert.deepEqual([...(back.getChild('label') ?? [])], labels);
});
