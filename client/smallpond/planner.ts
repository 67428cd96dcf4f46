/**
 * Logical plan → stage plan. Each node becomes one stage (a LimitNode three: per-partition limit, merge, final
 * limit); SQL chains are fused first. Stage keys hash the stage's content and its inputs' keys, never creation order,
 * so the same pipeline built again maps onto the same directories and resumes.
 */
import { createHash } from 'node:crypto';
import { PipelineError } from '../../infra/errors.ts';
import type { Resources, StageLayout, StageParams, StagePlan, StageSpec } from '../../workflows/plan.ts';
import { PLAN_VERSION } from '../../workflows/plan.ts';
import type { Node } from './nodes.ts';
import {
  DataSinkNode,
  DataSourceNode,
  EvenlyDistributedPartitionNode,
  HashPartitionNode,
  JsFunctionNode,
  LimitNode,
  ProjectionNode,
  SqlEngineNode,
  UnionNode,
} from './nodes.ts';
import { countConsumers, fuseSql } from './optimizer.ts';

export interface PlannerOptions {
  readonly jobId: string;
  readonly jobRoot: string;
  readonly defaults: Resources;
  /** Mixed into the root stage's key (`recompute()`), so it and nothing upstream runs again. */
  readonly rootSalt?: string | null;
}

interface Draft {
  readonly label: string;
  readonly inputs: readonly number[];
  readonly tasks: number;
  readonly partitions: number;
  readonly layout: StageLayout;
  readonly params: StageParams;
  readonly resources: Resources;
  readonly salt: string | null;
}

function shorten(text: string, max = 90): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function planStages(root: Node, options: PlannerOptions): StagePlan {
  const consumers = countConsumers(root);
  const stages: StageSpec[] = [];
  const byKey = new Map<string, number>();
  const memo = new Map<Node, number>();

  const emit = (draft: Draft): number => {
    const inputKeys = draft.inputs.map((i) => stages[i]!.key);
    const key = createHash('sha256')
      .update(JSON.stringify({ v: PLAN_VERSION, p: draft.params, n: draft.partitions, t: draft.tasks, i: inputKeys, s: draft.salt }))
      .digest('hex')
      .slice(0, 20);
    const known = byKey.get(key);
    if (known !== undefined) return known;
    const index = stages.length;
    stages.push({ index, key, label: draft.label, inputs: draft.inputs, tasks: draft.tasks, partitions: draft.partitions, layout: draft.layout, resources: draft.resources, params: draft.params });
    byKey.set(key, index);
    return index;
  };

  const resourcesOf = (opts: Node['options']): Resources => ({
    threads: opts.cpuLimit ?? options.defaults.threads,
    memoryLimit: opts.memoryLimit === undefined ? options.defaults.memoryLimit : opts.memoryLimit,
  });

  const visit = (node: Node, salt: string | null): number => {
    const cached = memo.get(node);
    if (cached !== undefined && salt === null) return cached;
    const index = plan(node, salt);
    if (salt === null) memo.set(node, index);
    return index;
  };

  const sqlStage = (label: string, inputs: readonly number[], queries: readonly string[], res: Resources, salt: string | null): number => {
    const partitions = inputs.length === 0 ? 1 : Math.max(...inputs.map((i) => stages[i]!.partitions));
    return emit({ label, inputs, tasks: partitions, partitions, layout: 'direct', params: { kind: 'sql', queries }, resources: res, salt });
  };

  const plan = (node: Node, salt: string | null): number => {
    const res = resourcesOf(node.options);
    const label = (detail: string): string => shorten(`${node.toString()}: ${detail}`);
    if (node instanceof DataSourceNode) {
      const { paths, recursive, reader } = node.dataset;
      return emit({
        label: label(`${reader.format} ${paths.join(', ')}`), inputs: [], tasks: 1, partitions: 1, layout: 'direct',
        params: { kind: 'source', paths, recursive, reader }, resources: res, salt,
      });
    }
    if (node instanceof SqlEngineNode) {
      const fused = fuseSql(node, consumers);
      const inputs = fused.inputs.map((i) => visit(i, null));
      return sqlStage(label(fused.queries.at(-1)!), inputs, fused.queries, resourcesOf(fused.options), salt);
    }
    if (node instanceof ProjectionNode) {
      const input = visit(node.inputs[0]!, null);
      return sqlStage(label(`columns ${node.columns.join(', ')}`), [input], [`SELECT ${node.columns.join(', ')} FROM {0}`], res, salt);
    }
    if (node instanceof LimitNode) {
      const input = visit(node.inputs[0]!, null);
      const query = `SELECT * FROM {0} LIMIT ${node.limit}`;
      if (stages[input]!.partitions === 1) return sqlStage(label(`limit ${node.limit}`), [input], [query], res, salt);
      const partial = sqlStage(label(`limit ${node.limit} per partition`), [input], [query], res, null);
      const merged = emit({
        label: label('merge partitions'), inputs: [partial], tasks: 1, partitions: 1, layout: 'partitioned',
        params: { kind: 'split', npartitions: 1, byRows: false, shuffleFiles: false }, resources: res, salt: null,
      });
      return sqlStage(label(`limit ${node.limit}`), [merged], [query], res, salt);
    }
    if (node instanceof HashPartitionNode) {
      const input = visit(node.inputs[0]!, null);
      const o = node.partitionOptions;
      const method = o.randomShuffle === true ? 'random' : (o.keyExpr ?? null) !== null ? 'key' : 'hash';
      const detail = method === 'key' ? `by ${o.keyExpr}` : method === 'random' ? 'random' : `hash ${node.hashColumns.join(', ')}`;
      return emit({
        label: label(`${node.npartitions} partitions, ${detail}`), inputs: [input], tasks: stages[input]!.partitions,
        partitions: node.npartitions, layout: 'partitioned', resources: res, salt,
        params: {
          kind: 'hash', npartitions: node.npartitions, method, columns: node.hashColumns, keyExpr: o.keyExpr ?? null,
          partitionColumn: o.dataPartitionColumn ?? '__data_partition__',
        },
      });
    }
    if (node instanceof EvenlyDistributedPartitionNode) {
      const input = visit(node.inputs[0]!, null);
      const o = node.splitOptions;
      return emit({
        label: label(`${node.npartitions} partitions by ${o.partitionByRows === true ? 'rows' : 'files'}`), inputs: [input],
        tasks: 1, partitions: node.npartitions, layout: 'partitioned', resources: res, salt,
        params: { kind: 'split', npartitions: node.npartitions, byRows: o.partitionByRows === true, shuffleFiles: o.randomShuffle === true },
      });
    }
    if (node instanceof UnionNode) {
      const inputs = node.inputs.map((i) => visit(i, null));
      return emit({
        label: label(`${inputs.length} inputs`), inputs, tasks: 1, partitions: node.numPartitions, layout: 'partitioned',
        params: { kind: 'union' }, resources: res, salt,
      });
    }
    if (node instanceof JsFunctionNode) {
      const input = visit(node.inputs[0]!, null);
      const n = stages[input]!.partitions;
      const o = node.jsOptions;
      return emit({
        label: label(node.fn.kind === 'registered' ? node.fn.name : (node.fn.name ?? 'function')), inputs: [input],
        tasks: n, partitions: n, layout: 'direct', resources: res, salt,
        params: { kind: 'js', mode: node.mode, fn: node.fn, schema: o.schema ?? null, batchSize: o.batchSize ?? 122_880 },
      });
    }
    if (node instanceof DataSinkNode) {
      const input = visit(node.inputs[0]!, null);
      return emit({
        label: label(`${node.type} → ${node.outputPath}`), inputs: [input], tasks: 1, partitions: 1, layout: 'direct',
        params: { kind: 'sink', outputPath: node.outputPath, type: node.type }, resources: res, salt,
      });
    }
    throw PipelineError.BAD_PLAN(`no planner rule for ${node.toString()}`);
  };

  const output = visit(root, options.rootSalt ?? null);
  return { version: PLAN_VERSION, jobId: options.jobId, jobRoot: options.jobRoot, stages, output };
}

/** A Markdown table of the plan, for the Web UI's details pane and `firepond job show`. */
export function describePlan(plan: StagePlan): string {
  const rows = plan.stages.map((s) =>
    `| ${s.index} | ${s.params.kind} | ${s.label.replace(/\|/g, '\\|')} | ${s.tasks} | ${s.partitions} | ${s.inputs.join(', ') || '—'} |`,
  );
  return ['| # | kind | stage | tasks | partitions | inputs |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
