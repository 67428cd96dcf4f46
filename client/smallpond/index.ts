// firepond/smallpond: the DataFrame API, the low-level plan API and runPlan.
export { init, Session } from './session.ts';
export type { SessionOptions } from './session-options.ts';
export { DataFrame } from './dataframe.ts';
export type { RepartitionOptions } from './dataframe.ts';
export { JobOutput } from './results.ts';
export { fnRef, toFunctionRef } from './js-function.ts';
export type { FunctionRef } from './js-function.ts';
export { registerFunction, unregisterFunction } from '../../activities/smallpond/function-registry.ts';
export {
  DataSetPartitionNode,
  DataSinkNode,
  DataSourceNode,
  EvenlyDistributedPartitionNode,
  HashPartitionNode,
  JsFunctionNode,
  LimitNode,
  LogicalPlan,
  Node,
  PlanContext,
  ProjectionNode,
  SqlEngineNode,
  UnionNode,
} from './nodes.ts';
export type { DataSet, NodeOptions } from './nodes.ts';
export { describePlan, planStages } from './planner.ts';
export { runPlan } from './run-plan.ts';
