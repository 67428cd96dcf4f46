import type { LogicalPlan } from './nodes.ts';
import type { JobOutput } from './results.ts';
import type { Session } from './session.ts';

/** Runs a low-level logical plan as one job of `session` and resolves to its output (rows, Arrow, files, count). */
export async function runPlan(session: Session, plan: LogicalPlan): Promise<JobOutput> {
  return session.execute(plan.root);
}
