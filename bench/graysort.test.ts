/**
 * The GraySort benchmark's functions at a few MB (STYLE.md rule 12), so the benchmark cannot go stale: generate,
 * sort through Firepond on the run's dev server and through one DuckDB, validate both. No assertion on time.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, testSession } from '../test/helpers.ts';
import { openDuckDB, readRows } from '../infra/duckdb/index.ts';
import { generateRecords, keyRangePartition, recordsSelect, runDuckDBSort, runFirepondSort, runSmallpondSort, validate } from './graysort.ts';

test('graysort at 3 MB: Firepond and DuckDB outputs are globally ordered and keep the input checksum', async (t) => {
  const dir = tempDir(t, 'fp-graysort-');
  const data = await generateRecords({ dir: join(dir, 'input'), bytes: 3 * 2 ** 20, files: 3, threads: 2 });
  assert.equal(data.rows, Math.floor((3 * 2 ** 20) / 100));
  assert.equal(data.files.length, 3);

  const sp = await testSession(t);
  // Shut down here too: testSession's after-hooks remove its data directory before they call shutdown (hooks run in
  // registration order), and a shutdown that then fails leaves the worker polling and the test process alive.
  const fp = await runFirepondSort({ session: sp, inputs: data.files, outputDir: join(dir, 'out-firepond'), partitions: 4, producers: 2 })
    .finally(() => sp.shutdown());
  const fpValid = await validate({ files: fp.files, expected: data, threads: 2 });
  assert.deepEqual(fpValid.problems, []);
  assert.equal(fpValid.ok, true);
  assert.equal(fp.files.length, 4, 'one sorted file per partition');
  assert.deepEqual(fp.stages.map((s) => s.label), ['source', 'split', 'hash', 'sql', 'sink']);

  const duck = await runDuckDBSort({ inputs: data.files, outputDir: join(dir, 'out-duckdb'), threads: 2 });
  assert.deepEqual((await validate({ files: duck.files, expected: data, threads: 2 })).problems, []);
});

test('graysort validation rejects unsorted data, a wrong count and a wrong checksum', async (t) => {
  const dir = tempDir(t, 'fp-graysort-');
  const data = await generateRecords({ dir, bytes: 200_000, files: 2, threads: 2 });
  const again = await generateRecords({ dir, bytes: 200_000, files: 2, threads: 2 });
  assert.equal(again.reused, true);
  assert.equal(again.checksum, data.checksum);

  const unsorted = await validate({ files: data.files, expected: data, threads: 2 });
  assert.equal(unsorted.ok, false);
  assert.ok(unsorted.unsortedPairs > 0);
  const wrong = await validate({ files: data.files, expected: { rows: data.rows - 1, checksum: '1' }, threads: 2 });
  assert.equal(wrong.problems.filter((p) => p.includes('expected')).length, 2);
});

test('graysort key-range partitions never decrease as keys grow, and cover [0, P)', async () => {
  const p = 8;
  const expr = keyRangePartition('key', p);
  const db = await openDuckDB({ threads: 1, memoryLimit: null });
  try {
    const [r] = await readRows(db.connection, `
      SELECT count(*) FILTER (WHERE part < prev) AS decreasing, min(part) AS lo, max(part) AS hi
      FROM (SELECT part, lag(part) OVER (ORDER BY key) AS prev FROM (SELECT key, ${expr} AS part FROM (${recordsSelect(0, 5000, 7)})))`);
    assert.deepEqual(r, { decreasing: 0, lo: 0, hi: p - 1 });
    const at = (blob: string): string => keyRangePartition(`'${blob}'::BLOB`, p);
    const [edges] = await readRows(db.connection,
      `SELECT ${at('\\x00\\x00\\x00\\x00\\x00')} AS zero, ${at('\\xFF\\xFF\\xFF\\xFF\\xFF')} AS top, ${at('\\x80\\x00\\x00\\x00')} AS mid`);
    assert.deepEqual(edges, { zero: 0, top: p - 1, mid: p / 2 });
  } finally {
    db.close();
  }
  assert.throws(() => keyRangePartition('key', 0));
});

test('graysort: a Python smallpond that cannot run is reported as skipped, never thrown', async (t) => {
  const dir = tempDir(t, 'fp-graysort-');
  const run = await runSmallpondSort({
    python: join(dir, 'no-such-python'), inputs: [join(dir, 'x.parquet')], outputDir: join(dir, 'out'), dataRoot: join(dir, 'root'),
    partitions: 2, producers: 1, shuffleCpus: 1, timeoutMs: 10_000,
  });
  assert.ok('skipped' in run);
});
