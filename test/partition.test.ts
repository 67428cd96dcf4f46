/**
 * smallpond's test_partition invariants, end to end: even splits by files and by rows, more partitions than files,
 * hash partitioning, nested and empty partitions. Every case checks that rows are preserved, and where the layout is
 * specified (smallpond's split arithmetic), the rows of each partition.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { DataFrame } from '../client/smallpond/index.ts';
import { openDuckDB, sqlString } from '../infra/duckdb/index.ts';
import { sharedSession, sharedTempDir } from './helpers.ts';

type Row = Record<string, unknown>;

/** Rows per input file: 10, 17, 24, 31, 38, 45 (165 in all), so every split puts a different count in each part. */
const FILE_ROWS = [10, 17, 24, 31, 38, 45];
const TOTAL = FILE_ROWS.reduce((a, b) => a + b, 0);
const KEYS = 13;

/** Files f0..f5.parquet with columns id (unique, 0..164 in file order), k = id % 13, s = 'v' || id. */
async function writeInputs(dir: string): Promise<void> {
  const db = await openDuckDB({ threads: 1, memoryLimit: null });
  try {
    let first = 0;
    for (const [f, rows] of FILE_ROWS.entries()) {
      await db.connection.run(
        `COPY (SELECT range AS id, range % ${KEYS} AS k, 'v' || range AS s FROM range(${first}, ${first + rows})) ` +
          `TO ${sqlString(join(dir, `f${f}.parquet`))} (FORMAT PARQUET)`,
      );
      first += rows;
    }
  } finally {
    db.close();
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function ids(rows: readonly Row[]): number[] {
  return rows.map((r) => Number(r['id'])).sort((a, b) => a - b);
}

/** smallpond's split_into_rows: contiguous chunks, the first `count % n` one larger. */
function chunkSizes(count: number, n: number): number[] {
  return range(n).map((i) => Math.floor(count / n) + (i < count % n ? 1 : 0));
}

/** Rows per partition of an even split by files. */
function rowsSplitByFiles(n: number): number[] {
  let at = 0;
  return chunkSizes(FILE_ROWS.length, n).map((files) => {
    const rows = FILE_ROWS.slice(at, at + files).reduce((a, b) => a + b, 0);
    at += files;
    return rows;
  });
}

/** Rows per partition of an even split by rows: a sequential ceil(total / n). */
function rowsSplitByRows(total: number, n: number): number[] {
  const per = Math.ceil(total / n);
  return range(n).map((i) => Math.max(0, Math.min(per, total - i * per)));
}

/**
 * Every row tagged with the index of the partition it was read from (`{__data_partition__}` is the task index of a
 * per-partition SQL stage), and the row count of every partition. The query runs one task per partition, so an empty
 * partition that could not be read (no schema-only file) fails it.
 */
async function layoutOf(df: DataFrame): Promise<{ rows: Row[]; counts: number[] }> {
  const tagging = df.session.partialSql('SELECT {__data_partition__} AS __p, * FROM {0}', df);
  assert.equal(tagging.numPartitions, df.numPartitions);
  const rows = await tagging.takeAll();
  for (const r of rows) assert.ok(Number.isInteger(r['__p']) && (r['__p'] as number) < df.numPartitions, `bad partition tag ${String(r['__p'])}`);
  const counts = range(df.numPartitions).map((p) => rows.filter((r) => r['__p'] === p).length);
  return { rows, counts };
}

/** Checks the invariant of hash partitioning: each key in exactly one partition, and that partition is the data's. */
function assertHashed(rows: readonly Row[], key: string, npartitions: number): void {
  const partitionsOfKey = new Map<unknown, Set<number>>();
  for (const r of rows) {
    assert.equal(r['__data_partition__'], r['__p'], `row ${JSON.stringify(r)} carries another partition's index`);
    const p = r['__p'] as number;
    assert.ok(p >= 0 && p < npartitions);
    const seen = partitionsOfKey.get(r[key]) ?? new Set<number>();
    seen.add(p);
    partitionsOfKey.set(r[key], seen);
  }
  for (const [k, ps] of partitionsOfKey) assert.equal(ps.size, 1, `key ${String(k)} is in partitions ${[...ps].join(', ')}`);
}

void describe('partition invariants (test_partition.py)', () => {
  const session = sharedSession();
  const dir = sharedTempDir('fp-partition-');
  let source: DataFrame;

  before(async () => {
    await writeInputs(dir());
    source = session().readParquet(join(dir(), 'f*.parquet'));
  });

  void it('an even split by files preserves rows for every partition count 1..#files', async () => {
    for (let n = 1; n <= FILE_ROWS.length; n++) {
      const { rows, counts } = await layoutOf(source.repartition(n));
      assert.deepEqual(counts, rowsSplitByFiles(n), `partition sizes for ${n} partitions by files`);
      assert.deepEqual(ids(rows), range(TOTAL), `rows for ${n} partitions by files`);
    }
  });

  void it('an even split by rows preserves rows for every partition count 1..#files', async () => {
    for (let n = 1; n <= FILE_ROWS.length; n++) {
      const { rows, counts } = await layoutOf(source.repartition(n, { byRows: true }));
      assert.deepEqual(counts, rowsSplitByRows(TOTAL, n), `partition sizes for ${n} partitions by rows`);
      assert.deepEqual(ids(rows), range(TOTAL), `rows for ${n} partitions by rows`);
      // Rows stay contiguous: partition p holds ids [p·ceil, (p+1)·ceil).
      const per = Math.ceil(TOTAL / n);
      for (const r of rows) assert.equal(Math.floor((r['id'] as number) / per), r['__p'], `id ${String(r['id'])} for ${n} partitions`);
    }
  });

  void it('more partitions than files leaves readable empty partitions and preserves rows', async () => {
    const df = source.repartition(10);
    const { rows, counts } = await layoutOf(df);
    assert.deepEqual(counts, [...FILE_ROWS, 0, 0, 0, 0]);
    assert.deepEqual(ids(rows), range(TOTAL));
    assert.equal(await df.count(), TOTAL);
    // Empty partitions keep the schema, so per-partition SQL and JS functions still bind.
    const mapped = await df.map('id, k, s').filter((r: Row) => (r['k'] as number) === 0).takeAll();
    assert.deepEqual(ids(mapped), range(TOTAL).filter((i) => i % KEYS === 0));
  });

  void it('more partitions than rows: each row alone, the rest empty', async () => {
    const few = await session().fromItems([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const { rows, counts } = await layoutOf(few.repartition(5, { byRows: true }));
    assert.deepEqual(counts, [1, 1, 1, 0, 0]);
    assert.deepEqual(ids(rows), [1, 2, 3]);
  });

  void it('hash partitioning preserves rows and puts every key in exactly one partition', async () => {
    const hashed = source.repartition(7, { hashBy: 'k' });
    const { rows, counts } = await layoutOf(hashed);
    assert.deepEqual(ids(rows), range(TOTAL));
    assertHashed(rows, 'k', 7);
    assert.ok(counts.filter((c) => c > 0).length > 1, `13 keys all hashed into one of 7 partitions: ${counts.join(', ')}`);
    assert.equal(await hashed.count(), TOTAL);

    // Hashing is a function of the key: hashing again (also by two columns) gives the same placement.
    const again = await layoutOf(source.repartition(7, { hashBy: ['k'] }));
    assert.deepEqual(again.counts, counts);
    const byTwo = await layoutOf(source.repartition(4, { hashBy: ['k', 's'] }));
    assert.deepEqual(ids(byTwo.rows), range(TOTAL));
    assertHashed(byTwo.rows, 's', 4);
  });

  void it('nested repartitioning preserves rows', async () => {
    const evenThenRows = source.repartition(3).repartition(5, { byRows: true });
    const a = await layoutOf(evenThenRows);
    assert.deepEqual(a.counts, rowsSplitByRows(TOTAL, 5));
    assert.deepEqual(ids(a.rows), range(TOTAL));

    // smallpond's nested hash case: 3 partitions, then 4 by another key.
    const hashTwice = source.repartition(3, { hashBy: 'id' }).repartition(4, { hashBy: 'k' });
    const b = await layoutOf(hashTwice);
    assert.deepEqual(ids(b.rows), range(TOTAL));
    assertHashed(b.rows, 'k', 4);

    const rowsThenHash = source.repartition(4, { byRows: true }).repartition(6, { hashBy: 'k' });
    const c = await layoutOf(rowsThenHash);
    assert.deepEqual(ids(c.rows), range(TOTAL));
    assertHashed(c.rows, 'k', 6);
  });

  void it('hash partitioning of empty input partitions gives empty, readable partitions', async () => {
    const nothing = source.repartition(3).filter('id < 0').repartition(5, { hashBy: 'k' });
    assert.equal(await nothing.count(), 0);
    assert.deepEqual(await nothing.takeAll(), []);
    assert.deepEqual((await nothing.map('count(*) AS n').takeAll()).map((r) => Number(r['n'])), [0, 0, 0, 0, 0]);

    // The same after a JS filter, which keeps the input's schema when nothing passes.
    const none = source.repartition(2).filter(() => false).repartition(3, { hashBy: 'k' });
    assert.deepEqual(await none.takeAll(), []);

    // Some empty producers among non-empty ones: more partitions than files, then hash.
    const mixed = source.repartition(10).repartition(4, { hashBy: 'k' });
    const { rows } = await layoutOf(mixed);
    assert.deepEqual(ids(rows), range(TOTAL));
    assertHashed(rows, 'k', 4);
  });
});
