import type { PartitionData } from '../manifest.ts';
import { readPartition } from '../manifest.ts';
import type { TaskContext, TaskResult } from '../task-context.ts';

/** Concatenates the partitions of its inputs: input 0's partitions first, then input 1's, and so on. Moves no data. */
export async function runUnionTask(ctx: TaskContext): Promise<TaskResult> {
  const partitions: Record<string, PartitionData> = {};
  let next = 0;
  for (const ref of ctx.input.inputs) {
    for (let p = 0; p < ref.partitions; p++) partitions[next++] = await readPartition(ctx.input.jobRoot, ref, p);
  }
  return { partitions };
}
