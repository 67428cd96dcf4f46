import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataSourceNode, HashPartitionNode, LimitNode, PlanContext, SqlEngineNode } from './nodes.ts';
import { countConsumers, fuseSql } from './optimizer.ts';
import { planStages } from './planner.ts';

const reader = { format: 'parquet' as const, unionByName: false, columns: null };
const opts = { jobId: 'j', jobRoot: '/tmp/j', defaults: { threads: 1, memoryLimit: null } };

test('consecutive SQL nodes fuse into one stage; inner placeholders survive', () => {
  const ctx = new PlanContext();
  const src = new DataSourceNode(ctx, { paths: ['/data/x.parquet'], recursive: false, reader });
  const a = new SqlEngineNode(ctx, [src], ['CREATE MACRO m(x) AS x + 1', 'SELECT m(a) AS a, {__data_partition__} AS p FROM {0}']);
  const b = new SqlEngineNode(ctx, [a], 'SELECT a * 2 AS a2, p FROM {0} WHERE a > {{not_a_placeholder}}');
  const fused = fuseSql(b, countConsumers(b));
  assert.deepEqual(fused.queries, [
    'CREATE MACRO m(x) AS x + 1',
    'SELECT a * 2 AS a2, p FROM (SELECT m(a) AS a, {__data_partition__} AS p FROM {0}) WHERE a > {{not_a_placeholder}}',
  ]);
  assert.deepEqual(fused.inputs, [src]);
  const plan = planStages(b, opts);
  assert.deepEqual(plan.stages.map((s) => s.params.kind), ['source', 'sql']);
});

test('a node read twice is not fused (it would run twice)', () => {
  const ctx = new PlanContext();
  const src = new DataSourceNode(ctx, { paths: ['/data/x.parquet'], recursive: false, reader });
  const a = new SqlEngineNode(ctx, [src], 'SELECT * FROM {0}');
  const b = new SqlEngineNode(ctx, [a], 'SELECT 1 FROM {0}');
  const c = new SqlEngineNode(ctx, [a, b], 'SELECT * FROM {0} UNION ALL SELECT * FROM {1}');
  const plan = planStages(c, opts);
  assert.equal(plan.stages.filter((s) => s.params.kind === 'sql').length, 3);
});

test('a global limit stays global: SQL after a limit never folds into a per-partition query', () => {
  const ctx = new PlanContext();
  const src = new DataSourceNode(ctx, { paths: ['/data/x.parquet'], recursive: false, reader });
  const parts = new HashPartitionNode(ctx, src, 10, ['a']);
  const limited = new LimitNode(ctx, parts, 2);
  const after = new SqlEngineNode(ctx, [limited], 'SELECT a + 1 AS b FROM {0}');
  const plan = planStages(after, opts);
  const last = plan.stages[plan.output]!;
  assert.equal(last.params.kind, 'sql');
  assert.deepEqual(last.params.kind === 'sql' ? last.params.queries : [], ['SELECT a + 1 AS b FROM {0}']);
  assert.equal(last.partitions, 1);
});

test('stage keys derive from content, not creation order', () => {
  const build = (extraNodesFirst: number): string[] => {
    const ctx = new PlanContext();
    for (let i = 0; i < extraNodesFirst; i++) ctx.nextId();
    const src = new DataSourceNode(ctx, { paths: ['/data/x.parquet'], recursive: false, reader });
    return planStages(new SqlEngineNode(ctx, [src], 'SELECT 1 FROM {0}'), opts).stages.map((s) => s.key);
  };
  assert.deepEqual(build(0), build(17));
  const ctx = new PlanContext();
  const src = new DataSourceNode(ctx, { paths: ['/data/x.parquet'], recursive: false, reader });
  const salted = planStages(new SqlEngineNode(ctx, [src], 'SELECT 1 FROM {0}'), { ...opts, rootSalt: 'again' }).stages.map((s) => s.key);
  assert.equal(salted[0], build(0)[0]);
  assert.notEqual(salted[1], build(0)[1]);
});

test('inputs with incompatible partition counts are refused at plan time', () => {
  const ctx = new PlanContext();
  const src = new DataSourceNode(ctx, { paths: ['/data/x.parquet'], recursive: false, reader });
  const p3 = new HashPartitionNode(ctx, src, 3, ['a']);
  const p4 = new HashPartitionNode(ctx, src, 4, ['a']);
  assert.throws(() => new SqlEngineNode(ctx, [p3, p4], 'SELECT * FROM {0} JOIN {1} USING (a)'), /incompatible partition counts \(3, 4\)/);
  assert.doesNotThrow(() => new SqlEngineNode(ctx, [p3, src], 'SELECT * FROM {0} JOIN {1} USING (a)'));
});
