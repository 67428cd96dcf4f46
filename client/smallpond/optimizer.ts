/**
 * The optimizer's one rule: fuse a chain of SQL nodes into one stage, so a chain of per-partition queries runs in one
 * task and one DuckDB without writing intermediate Parquet.
 *
 *   before: SqlEngine("select a + b as c from {0}") ← SqlEngine("select * from {0} where a > 1") ← source
 *   after:  SqlEngine("select a + b as c from (select * from {0} where a > 1)") ← source
 *
 * Only `{0}` of the outer query is substituted (its one input); every other placeholder of either query survives, and
 * `{{`/`}}` escapes stay escaped until the task renders the query. LimitNode is its own kind, never a SqlEngineNode,
 * so a global limit can not be folded into a per-partition query. A node read by more than one consumer is not fused
 * (that would run it twice).
 */
import { renderTemplate } from '../../workflows/template.ts';
import type { Node, NodeOptions } from './nodes.ts';
import { SqlEngineNode } from './nodes.ts';

export interface FusedSql {
  readonly queries: readonly string[];
  readonly inputs: readonly Node[];
  readonly options: NodeOptions;
  readonly fusedIds: readonly number[];
}

function maxOf<T>(a: T | undefined, b: T | undefined, cmp: (x: T, y: T) => number): T | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return cmp(a, b) >= 0 ? a : b;
}

function memoryBytes(limit: string | null | undefined): number {
  if (limit === null || limit === undefined) return 0;
  const m = /^\s*([\d.]+)\s*([KMGT]?i?B)?\s*$/i.exec(limit);
  if (m === null) return 0;
  const unit = (m[2] ?? 'B').toUpperCase().replace('I', '');
  const pow = { B: 0, KB: 1, MB: 2, GB: 3, TB: 4 }[unit] ?? 0;
  return Number(m[1]) * 1024 ** pow;
}

/** The SQL a node runs after fusing as many single-consumer SQL ancestors into it as the rule allows. */
export function fuseSql(node: SqlEngineNode, consumers: ReadonlyMap<Node, number>): FusedSql {
  const child = node.inputs[0];
  if (node.inputs.length !== 1 || !(child instanceof SqlEngineNode) || (consumers.get(child) ?? 0) !== 1) {
    return { queries: node.queries, inputs: node.inputs, options: node.options, fusedIds: [node.id] };
  }
  const inner = fuseSql(child, consumers);
  const last = inner.queries[inner.queries.length - 1]!;
  const outer = node.queries.map((q) => renderTemplate(q, { 0: `(${last})` }, { unescape: false }));
  const cpuLimit = maxOf(inner.options.cpuLimit, node.options.cpuLimit, (a, b) => a - b);
  const memoryLimit = maxOf(inner.options.memoryLimit, node.options.memoryLimit, (a, b) => memoryBytes(a) - memoryBytes(b));
  return {
    queries: [...inner.queries.slice(0, -1), ...outer],
    inputs: inner.inputs,
    options: { ...(cpuLimit === undefined ? {} : { cpuLimit }), ...(memoryLimit === undefined ? {} : { memoryLimit }) },
    fusedIds: [...inner.fusedIds, node.id],
  };
}

/** How many nodes read each node, within the DAG under `root`. */
export function countConsumers(root: Node): Map<Node, number> {
  const counts = new Map<Node, number>();
  const seen = new Set<Node>();
  const visit = (n: Node): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const i of n.inputs) {
      counts.set(i, (counts.get(i) ?? 0) + 1);
      visit(i);
    }
  };
  visit(root);
  return counts;
}
