import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DataSetPartitionNode,
  DataSinkNode,
  DataSourceNode,
  HashPartitionNode,
  LimitNode,
  LogicalPlan,
  ProjectionNode,
  runPlan,
  SqlEngineNode,
  UnionNode,
} from '../client/smallpond/index.ts';
import { tempDir, testSession } from './helpers.ts';

test('the low-level node API: source → partition → projection → union → SQL → limit → sink, via runPlan', { timeout: 120_000 }, async (t) => {
  const sp = await testSession(t);
  const out = tempDir(t, 'fp-plan-out-');
  // Two sources written through the DataFrame API, then a plan built by hand over their files.
  const a = await sp.fromItems(Array.from({ length: 30 }, (_, i) => ({ id: i, grp: i % 3, note: `a${i}` })));
  const b = await sp.fromItems(Array.from({ length: 20 }, (_, i) => ({ id: 100 + i, grp: i % 2, note: `b${i}` })));
  const files = [...(await (await a.compute()).files()), ...(await (await b.compute()).files())];
  const reader = { format: 'parquet' as const, unionByName: false, columns: null };
  const ctx = sp.ctx;
  const srcA = new DataSourceNode(ctx, { paths: [files[0]!], recursive: false, reader });
  const srcB = new DataSourceNode(ctx, { paths: [files[1]!], recursive: false, reader });
  const splitA = DataSetPartitionNode(ctx, srcA, 3, { partitionByRows: true });
  const hashB = new HashPartitionNode(ctx, srcB, 2, ['grp']);
  const projA = new ProjectionNode(ctx, splitA, ['id', 'grp']);
  const projB = new ProjectionNode(ctx, hashB, ['id', 'grp']);
  const union = new UnionNode(ctx, [projA, projB]);
  assert.equal(union.numPartitions, 5);
  const doubled = new SqlEngineNode(ctx, [union], 'SELECT id * 2 AS id2, grp FROM {0}');
  const plan = new LogicalPlan(ctx, doubled);
  assert.match(plan.explain(), /Union-\d+ \[5 partitions\]/);

  const result = await runPlan(sp, plan);
  assert.equal(result.ref.partitions, 5);
  const rows = await result.rows();
  const expected = [...Array.from({ length: 30 }, (_, i) => i * 2), ...Array.from({ length: 20 }, (_, i) => (100 + i) * 2)];
  assert.deepEqual(rows.map((r) => r['id2']).sort((x, y) => Number(x) - Number(y)), expected);
  assert.deepEqual(Object.keys(rows[0]!), ['id2', 'grp']);

  const limited = await runPlan(sp, new LogicalPlan(ctx, new LimitNode(ctx, doubled, 7)));
  assert.equal(await limited.count(), 7);

  const sinkDir = join(out, 'sink');
  const sunk = await runPlan(sp, new LogicalPlan(ctx, new DataSinkNode(ctx, [doubled], sinkDir)));
  assert.equal(await sunk.count(), 50);
  const manifest = (await readFile(join(sinkDir, '.MANIFEST.txt'), 'utf8')).trim().split('\n');
  assert.equal(manifest.length, (await sunk.files()).length);
});
