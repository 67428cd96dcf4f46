/**
 * The DataFrame acceptance suite, ported from smallpond's tests/test_dataframe.py (research/smallpond.md §6), run
 * end to end: a real Temporal dev server, the pipeline and stage workflows, and DuckDB partition tasks on an
 * in-process worker. One session serves the whole file; each case builds its own DataFrames.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Table } from 'apache-arrow';
import { tableFromArrays } from 'apache-arrow';
import { fnRef, registerFunction, unregisterFunction } from '../client/smallpond/index.ts';
import type { DataFrame, Session } from '../client/smallpond/index.ts';
import { openDuckDB, sqlString } from '../infra/duckdb/index.ts';
import type { ErrorCode } from '../infra/errors.ts';
import { hasCode } from '../infra/errors.ts';
import { sharedSession, sharedTempDir } from './helpers.ts';

type Row = Record<string, unknown>;

const FILES = 10;
const ROWS_PER_FILE = 100;

/** A small deterministic generator, so a failure can be reproduced (smallpond's datagen is unseeded). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function alnum(rand: () => number, length: number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += chars[Math.floor(rand() * chars.length)];
  return out;
}

/**
 * smallpond's mock_urls: urls{0-9}.tsv with 100 lines `host<TAB>value` each, and urls{0-9}.parquet with 100 rows of
 * `host, url` each. Returns the TSV lines as rows, for comparing what reads back.
 */
async function writeMockUrls(dir: string): Promise<{ tsvRows: Row[]; parquetRows: Row[] }> {
  mkdirSync(dir, { recursive: true });
  const rand = lcg(123456);
  const tsvRows: Row[] = [];
  const parquetRows: Row[] = [];
  for (let f = 0; f < FILES; f++) {
    const lines: string[] = [];
    for (let i = 0; i < ROWS_PER_FILE; i++) {
      const host = `com.${Math.floor(10_000 + rand() * 990_000)}.${Math.floor(100 + rand() * 9_900)}/${alnum(rand, 10 + Math.floor(rand() * 10))}.html`;
      const value = Buffer.from(alnum(rand, 50 + Math.floor(rand() * 50))).toString('base64');
      lines.push(`${host}\t${value}`);
      tsvRows.push({ urlstr: host, valstr: value });
    }
    writeFileSync(join(dir, `urls${f}.tsv`), lines.join('\n') + '\n');
  }
  const db = await openDuckDB({ threads: 1, memoryLimit: null });
  try {
    for (let f = 0; f < FILES; f++) {
      const path = join(dir, `urls${f}.parquet`);
      await db.connection.run(
        `COPY (SELECT 'host' || ${f} || '.' || range AS host, 'http://host' || ${f} || '.' || range || '/page.html' AS url ` +
          `FROM range(${ROWS_PER_FILE})) TO ${sqlString(path)} (FORMAT PARQUET)`,
      );
      for (let i = 0; i < ROWS_PER_FILE; i++) parquetRows.push({ host: `host${f}.${i}`, url: `http://host${f}.${i}/page.html` });
    }
  } finally {
    db.close();
  }
  return { tsvRows, parquetRows };
}

async function writeParquetFile(path: string, select: string): Promise<void> {
  const db = await openDuckDB({ threads: 1, memoryLimit: null });
  try {
    await db.connection.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT PARQUET)`);
  } finally {
    db.close();
  }
}

function byJson(a: Row, b: Row): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function column(rows: readonly Row[], name: string): unknown[] {
  return rows.map((r) => r[name]);
}

function sortedNumbers(values: readonly unknown[]): number[] {
  return values.map((v) => Number(v)).sort((a, b) => a - b);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Pairs (i, j), i < j, with values[i] > values[j]. */
function inversions(values: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) for (let j = i + 1; j < values.length; j++) if (values[i]! > values[j]!) n++;
  return n;
}

/** An assert.rejects validator: a FirepondError with `code` whose message contains every one of `parts`. */
function failsWith(code: ErrorCode, ...parts: string[]): (err: unknown) => boolean {
  return (err) => {
    assert.ok(hasCode(err, code), `expected ${code}, got ${String(err)}`);
    for (const part of parts) assert.ok(err.message.includes(part), `expected the message to contain ${JSON.stringify(part)}:\n${err.message}`);
    return true;
  };
}

/** Attempts the worker made at each activity of the job's stage workflows (`<pipeline>/stage-<i>`). */
async function activityAttempts(sp: Session, pipelineId: string): Promise<number[]> {
  const attempts: number[] = [];
  for (let i = 0; ; i++) {
    const handle = sp.temporal.client.workflow.getHandle(`${pipelineId}/stage-${i}`);
    const history = await handle.fetchHistory().catch(() => null);
    if (history === null) break;
    for (const e of history.events ?? []) {
      const attempt = e.activityTaskStartedEventAttributes?.attempt;
      if (typeof attempt === 'number') attempts.push(attempt);
    }
  }
  return attempts;
}

void describe('DataFrame acceptance (test_dataframe.py)', () => {
  const session = sharedSession();
  const dir = sharedTempDir('fp-dataframe-');
  let mock: { tsvRows: Row[]; parquetRows: Row[] };
  let abc: DataFrame; // {a: [1, 2, 3], b: [4, 5, 6]}
  let items: DataFrame; // item: 0..999, one file

  before(async () => {
    mock = await writeMockUrls(join(dir(), 'mock_urls'));
    abc = await session().fromItems([{ a: 1, b: 4 }, { a: 2, b: 5 }, { a: 3, b: 6 }]);
    items = await session().fromItems(range(1000));
  });

  void it('fromItems([1, 2, 3]).takeAll() gives the items as rows of `item`', async () => {
    const df = await session().fromItems([1, 2, 3]);
    assert.deepEqual(await df.takeAll(), [{ item: 1 }, { item: 2 }, { item: 3 }]);
  });

  void it('readCsv of 10 TSV files counts 1000 rows and reads the values back', async () => {
    const df = session().readCsv(join(dir(), 'mock_urls', '*.tsv'), { urlstr: 'VARCHAR', valstr: 'VARCHAR' }, { delim: '\t' });
    assert.equal(await df.count(), FILES * ROWS_PER_FILE);
    assert.deepEqual((await df.takeAll()).sort(byJson), [...mock.tsvRows].sort(byJson));
  });

  void it('readParquet of 10 Parquet files counts 1000 rows and reads the values back', async () => {
    const df = session().readParquet(join(dir(), 'mock_urls', '*.parquet'));
    assert.equal(await df.count(), FILES * ROWS_PER_FILE);
    assert.deepEqual((await df.takeAll()).sort(byJson), [...mock.parquetRows].sort(byJson));
  });

  void it('map with SQL and with a function computes a + b', async () => {
    assert.deepEqual(await abc.map('a + b AS c').takeAll(), [{ c: 5 }, { c: 7 }, { c: 9 }]);
    const viaFn = await abc.map((r: { a: number; b: number }) => ({ c: r.a + r.b })).takeAll();
    assert.deepEqual(viaFn, [{ c: 5 }, { c: 7 }, { c: 9 }]);
  });

  void it('map with a function returning null and an explicit BIGINT schema keeps the null', async () => {
    const df = abc.map((r: { a: number; b: number }) => ({ c: r.a === 1 ? null : r.a + r.b }), { schema: { c: 'BIGINT' } });
    assert.deepEqual(await df.takeAll(), [{ c: null }, { c: 7 }, { c: 9 }]);
    const arrow = await df.toArrow();
    assert.equal(String(arrow.schema.fields[0]?.type), 'Int64');
  });

  void it('async JS functions are awaited (map and filter)', async () => {
    const mapped = await abc.map(async (r: { a: number; b: number }) => ({ c: r.a + r.b })).takeAll();
    assert.deepEqual(mapped, [{ c: 5 }, { c: 7 }, { c: 9 }]);
    const kept = await abc.filter(async (r: { a: number }) => r.a !== 2).takeAll();
    assert.deepEqual(kept.map((r) => r['a']), [1, 3]);
  });

  void it('flatMap with SQL unnest and with a function', async () => {
    assert.deepEqual(column(await abc.flatMap('unnest([a, b]) AS c').takeAll(), 'c'), [1, 4, 2, 5, 3, 6]);
    const viaFn = await abc.flatMap((r: { a: number; b: number }) => [{ c: r.a }, { c: r.b }]).takeAll();
    assert.deepEqual(column(viaFn, 'c'), [1, 4, 2, 5, 3, 6]);
  });

  void it('filter with SQL and with a function keeps the last two rows', async () => {
    const expected = [{ a: 2, b: 5 }, { a: 3, b: 6 }];
    assert.deepEqual(await abc.filter('a > 1').takeAll(), expected);
    assert.deepEqual(await abc.filter((r: Row) => (r['a'] as number) > 1).takeAll(), expected);
  });

  void it('take(2) gives the first two rows', async () => {
    assert.deepEqual(await abc.take(2), [{ a: 1, b: 4 }, { a: 2, b: 5 }]);
  });

  void it('mapBatches(batchSize 350) over 1000 rows sees batches of 350, 350 and 300 (shipped function)', async () => {
    // Shipped as source, so it cannot import apache-arrow: it reuses the batch's own Table methods to return one row
    // holding the batch's size (item is BIGINT, so the value is a bigint). Table.set takes a plain object at run time;
    // its typing wants a StructRowProxy, hence the cast (erased before the source ships).
    const sizes = items.mapBatches((batch: Table) => {
      const out = batch.slice(0, 1);
      out.set(0, { item: BigInt(batch.numRows) } as never);
      return out;
    }, { batchSize: 350 });
    assert.deepEqual(column(await sizes.takeAll(), 'item'), [350, 350, 300]);
  });

  void it('mapBatches with a registered function referenced by fnRef', async () => {
    registerFunction('test-batch-sizes', (batch: Table, args: { scale: number }) =>
      tableFromArrays({ n: Int32Array.of(batch.numRows * args.scale) }));
    try {
      const sizes = items.mapBatches(fnRef('test-batch-sizes', { scale: 2 }), { batchSize: 350 });
      assert.deepEqual(column(await sizes.takeAll(), 'n'), [700, 700, 600]);
    } finally {
      unregisterFunction('test-batch-sizes');
    }
  });

  void it('randomShuffle keeps the multiset and looks random', async () => {
    const shuffled = items.repartition(10, { byRows: true }).randomShuffle();
    assert.equal(shuffled.numPartitions, 10);
    const values = column(await shuffled.takeAll(), 'item') as number[];
    assert.deepEqual(sortedNumbers(values), range(1000));
    // A uniform permutation of 1000 has n(n-1)/4 = 249,750 inversions on average, standard deviation ≈ 5,300;
    // smallpond asserts [220,000, 280,000] (±5.7σ). Sorted input has 0.
    const n = inversions(values);
    assert.ok(n >= 220_000 && n <= 280_000, `inversions ${n} outside [220000, 280000]`);
    // Rows are also shuffled within partitions: ten sorted random subsets would still have ~225,000 inversions, but
    // ~990 ascents where a uniform permutation has (n-1)/2 = 499.5 (standard deviation ≈ 9.1).
    const ascents = values.slice(1).filter((v, i) => v > values[i]!).length;
    assert.ok(ascents >= 440 && ascents <= 560, `ascents ${ascents} outside [440, 560]`);
  });

  void it('repartition by a key expression puts each key in its own partition, in partition order', async () => {
    const df = items.repartition(10, { by: 'item % 10' }).map('min(item % 10) AS min, max(item % 10) AS max');
    assert.deepEqual(await df.takeAll(), range(10).map((i) => ({ min: i, max: i })));
  });

  void it('repartition by a key out of range fails naming the key', async () => {
    await assert.rejects(
      items.repartition(10, { by: 'item % 11' }).count(),
      failsWith('PIPELINE_PARTITION_KEY_OUT_OF_RANGE', 'partition key 10 is out of range 0-9'),
    );
  });

  void it('repartition by hash keeps the multiset', async () => {
    const df = items.repartition(10, { hashBy: 'item' });
    const out = await df.compute();
    assert.equal((await out.partitions()).length, 10);
    assert.deepEqual(sortedNumbers(column(await df.takeAll(), 'item')), range(1000));
  });

  void it('partialSort sorts within each partition, not across them', async () => {
    const rows = await items.repartition(3, { hashBy: 'item' }).partialSort('item').takeAll();
    assert.deepEqual(sortedNumbers(column(rows, 'item')), range(1000));
    const partitions = column(rows, '__data_partition__') as number[];
    assert.deepEqual(partitions, [...partitions].sort((a, b) => a - b), 'partitions come back in partition order');
    for (let i = 1; i < rows.length; i++) {
      if (partitions[i] === partitions[i - 1]) assert.ok((rows[i]!['item'] as number) > (rows[i - 1]!['item'] as number), `row ${i} out of order`);
    }
    const values = column(rows, 'item') as number[];
    assert.notDeepEqual(values, range(1000), 'hashing spreads items, so the whole is not sorted');
  });

  void it('compute() materialises the output and isComputed() reports it', async () => {
    const df = items.map('item + 5 AS x');
    assert.equal(await df.isComputed(), false);
    const out = await df.compute();
    assert.equal(await df.isComputed(), true);
    assert.equal(await out.count(), 1000);
    assert.deepEqual((await out.rows(3)).map((r) => r['x']), [5, 6, 7]);
  });

  void it('limit(2).count() over 10 partitions is 2', async () => {
    const parts = items.repartition(10, { byRows: true });
    assert.equal(await parts.limit(2).count(), 2);
    const taken = await parts.take(2);
    assert.equal(taken.length, 2);
    for (const row of taken) assert.ok(Number.isInteger(row['item']) && (row['item'] as number) < 1000);
  });

  void it('partialSql with no inputs runs once', async () => {
    assert.deepEqual(await session().partialSql('select * from range(3)').takeAll(), [{ range: 0 }, { range: 1 }, { range: 2 }]);
  });

  void it('partialSql joins two inputs', async () => {
    const left = await session().fromArrow(tableFromArrays({ id1: Int32Array.of(1, 2, 3), val1: ['a', 'b', 'c'] }));
    const right = await session().fromArrow(tableFromArrays({ id2: Int32Array.of(1, 2, 3), val2: ['d', 'e', 'f'] }));
    const joined = session().partialSql('select id1, val1, val2 from {0} join {1} on id1 = id2 order by id1', left, right);
    assert.deepEqual(await joined.takeAll(), [
      { id1: 1, val1: 'a', val2: 'd' },
      { id1: 2, val1: 'b', val2: 'e' },
      { id1: 3, val1: 'c', val2: 'f' },
    ]);
  });

  void it('a SQL syntax error fails fast, naming the query', async () => {
    let workflowId: unknown = null;
    await assert.rejects(abc.map('a +* b AS c').takeAll(), (err) => {
      failsWith('PIPELINE_BAD_SQL', 'a +* b AS c')(err);
      workflowId = hasCode(err) ? err.context['workflowId'] : null;
      return true;
    });
    assert.equal(typeof workflowId, 'string');
    // Fail fast: the task is not retried (the session allows 5 attempts for retryable failures).
    const attempts = await activityAttempts(session(), workflowId as unknown as string);
    assert.ok(attempts.length > 0, 'expected the job to have run activities');
    assert.deepEqual(attempts.filter((a) => a !== 1), []);
  });

  void it('a missing input path fails naming the path', async () => {
    const missing = join(dir(), 'no-such-dir', 'part-*.parquet');
    await assert.rejects(session().readParquet(missing).count(), failsWith('PIPELINE_INPUT_NOT_FOUND', missing));
    const missingFile = join(dir(), 'missing.parquet');
    await assert.rejects(session().readParquet(missingFile).map('count(*) AS n').takeAll(), failsWith('PIPELINE_INPUT_NOT_FOUND', missingFile));
  });

  void it('a schema mismatch between Parquet files names the column and the files', async () => {
    const base = join(dir(), 'mismatch');
    mkdirSync(base, { recursive: true });
    await writeParquetFile(join(base, 'a0.parquet'), `SELECT range AS id, 'x' AS name FROM range(3)`);
    await writeParquetFile(join(base, 'a1.parquet'), `SELECT range AS id, 1.5 AS score FROM range(3)`);
    await writeParquetFile(join(base, 'a2.parquet'), `SELECT 'seven' AS id, 'y' AS name FROM range(3)`);
    // A column missing from the second file.
    await assert.rejects(
      session().readParquet([join(base, 'a0.parquet'), join(base, 'a1.parquet')]).map('id, name').takeAll(),
      failsWith('PIPELINE_SCHEMA_MISMATCH', 'schema mismatch', '"name"', 'a1.parquet'),
    );
    // A column whose type differs between files.
    await assert.rejects(
      session().readParquet([join(base, 'a0.parquet'), join(base, 'a2.parquet')]).map('id, name').takeAll(),
      failsWith('PIPELINE_SCHEMA_MISMATCH', 'schema mismatch', '"id"', 'a2.parquet'),
    );
    // unionByName reads both.
    const unioned = await session().readParquet([join(base, 'a0.parquet'), join(base, 'a1.parquet')], { unionByName: true }).takeAll();
    assert.equal(unioned.length, 6);
    assert.deepEqual(new Set(unioned.flatMap((r) => Object.keys(r))), new Set(['id', 'name', 'score']));
  });

  void it('writeParquet writes files and a .MANIFEST.txt that read back to the same rows', async () => {
    const out = join(dir(), 'written');
    await items.repartition(3, { hashBy: 'item' }).map('item, item * 2 AS twice').writeParquet(out);
    const names = readdirSync(out).filter((n) => !n.startsWith('.'));
    assert.ok(names.length >= 3, `expected a file per partition, got ${names.join(', ')}`);
    assert.ok(names.every((n) => n.endsWith('.parquet')));
    const manifest = readFileSync(join(out, '.MANIFEST.txt'), 'utf8').trim().split('\n');
    assert.deepEqual([...manifest].sort(), [...names].sort());
    const back = await session().readParquet(join(out, '*.parquet')).takeAll();
    assert.deepEqual(
      back.sort((x, y) => (x['item'] as number) - (y['item'] as number)),
      range(1000).map((i) => ({ item: i, twice: 2 * i })),
    );
  });

  void it('toArrow returns an apache-arrow Table with every row and the columns', async () => {
    const table = await items.repartition(4, { byRows: true }).map('item, item % 7 AS m').toArrow();
    assert.equal(table.numRows, 1000);
    assert.deepEqual(table.schema.fields.map((f) => f.name), ['item', 'm']);
    const col = table.getChild('item');
    assert.ok(col !== null);
    assert.deepEqual(sortedNumbers([...col]), range(1000));
  });

  void it('integers beyond 2^53 come back as bigint, smaller ones as number', async () => {
    const rows = await session().partialSql(
      'SELECT 9007199254740993::BIGINT AS big, -9007199254740993::BIGINT AS neg, 9007199254740991::BIGINT AS edge, 42::BIGINT AS small',
    ).takeAll();
    assert.deepEqual(rows, [{ big: 9007199254740993n, neg: -9007199254740993n, edge: 9007199254740991, small: 42 }]);
    const items64 = await session().fromItems([{ v: 2n ** 60n + 1n }, { v: 7n }]);
    assert.deepEqual(await items64.map('v, v + 1 AS w').takeAll(), [{ v: 2n ** 60n + 1n, w: 2n ** 60n + 2n }, { v: 7, w: 8 }]);
  });

  void it('a function closing over an outer variable is refused when the plan is built', () => {
    const factor = 3;
    // map() is synchronous and lazy: the refusal comes from building the plan, so no job can have started.
    assert.throws(
      () => abc.map((r: { a: number }) => ({ c: r.a * factor })),
      (err) => {
        assert.ok(hasCode(err, 'PIPELINE_FUNCTION_NOT_PORTABLE'), String(err));
        assert.match(err.message, /factor/);
        return true;
      },
    );
  });
});
