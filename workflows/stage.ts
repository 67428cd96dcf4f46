import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SmallpondActivities } from '../activities/smallpond/create-activities.ts';
import { controlActivityOptions, taskActivityOptions } from './activity-options.ts';
import { describeFailure } from './failures.ts';
import type { StageInput, StageProgress, StageResult, TaskInput } from './messages.ts';
import { stageProgressQuery, stageProgressSignal } from './messages.ts';
import { countOf, missingIndices, rangesFromIndices } from './ranges.ts';
import { JOB_STATUS } from './search-attributes.ts';

/**
 * One stage of a job: expands its tasks, skips those already committed, runs the rest as activities through a
 * sliding window, and continues as new every `tasksPerRun` completions so its history stays small.
 *
 *   inspect ─▶ window of N tasks in flight ─▶ (drain, continue-as-new)* ─▶ seal (partitioned layout) ─▶ result
 *
 * The first non-retryable task failure cancels the tasks still in flight and fails the stage.
 */
export async function stage(input: StageInput): Promise<StageResult> {
  const { stage: spec, execution } = input;
  const tasks = proxyActivities<SmallpondActivities>(taskActivityOptions(execution));
  const control = proxyActivities<SmallpondActivities>(controlActivityOptions(execution));
  const taskOptions = taskActivityOptions(execution);

  const done = new Set<number>();
  let skipped = input.carried?.skipped ?? 0;
  let executed = input.carried?.executed ?? 0;
  let state: StageProgress['state'] = 'running';
  const progress = (): StageProgress => ({
    index: spec.index, label: spec.label, total: spec.tasks, done: done.size, skipped, state,
  });
  setHandler(stageProgressQuery, progress);

  let lastReported = -1;
  const report = (force: boolean): void => {
    setCurrentDetails(`**${spec.label}** · ${done.size}/${spec.tasks} tasks (${skipped} already committed)`);
    const step = Math.max(1, Math.floor(spec.tasks / 20));
    if (input.parentId === null || (!force && done.size - lastReported < step)) return;
    lastReported = done.size;
    getExternalWorkflowHandle(input.parentId).signal(stageProgressSignal, progress()).catch(() => undefined);
  };

  if (input.carried === null) {
    const inspected = await control.smallpondInspectStage({ jobRoot: input.jobRoot, stage: spec });
    if (inspected.sealed) {
      skipped = spec.tasks;
      for (let i = 0; i < spec.tasks; i++) done.add(i);
      return finish();
    }
    skipped = countOf(inspected.committed);
    for (const [b, e] of inspected.committed) for (let i = b; i < e; i++) done.add(i);
  } else {
    for (const [b, e] of input.carried.done) for (let i = b; i < e; i++) done.add(i);
  }
  report(true);

  const pending = missingIndices(rangesFromIndices(done), spec.tasks);
  let ranThisRun = 0;
  let failure: unknown = null;
  const scope = new CancellationScope();
  const lane = async (): Promise<void> => {
    while (failure === null && ranThisRun < execution.tasksPerRun && !workflowInfo().continueAsNewSuggested) {
      const next = pending.next();
      if (next.done === true) return;
      const task = next.value;
      const taskInput: TaskInput = { jobId: input.jobId, jobRoot: input.jobRoot, stage: spec, inputs: input.inputs, task };
      try {
        const out = await tasks.smallpondRunTask.executeWithOptions(
          { ...taskOptions, activityId: `stage-${spec.index}/task-${task}`, summary: `task ${task + 1}/${spec.tasks}` },
          [taskInput],
        );
        if (out.skipped) skipped++;
        else executed++;
      } catch (err) {
        if (failure === null && !(isCancellation(err) && scope.consideredCancelled)) {
          failure = err;
          scope.cancel();
        }
        return;
      }
      done.add(task);
      ranThisRun++;
      report(false);
    }
  };
  await scope.run(() => Promise.all(Array.from({ length: Math.min(execution.window, spec.tasks) }, lane)));

  if (failure !== null) {
    state = 'failed';
    report(true);
    upsertSearchAttributes([{ key: JOB_STATUS, value: 'failed' }]);
    const { message, type } = describeFailure(failure);
    throw ApplicationFailure.create({
      message: `stage ${spec.index} (${spec.label}) failed: ${message}`,
      type,
      nonRetryable: true,
      cause: failure instanceof Error ? failure : undefined,
    });
  }
  if (done.size < spec.tasks) {
    return continueAsNew<typeof stage>({
      ...input,
      carried: { done: rangesFromIndices(done), run: (input.carried?.run ?? 0) + 1, skipped, executed },
    });
  }
  if (spec.layout === 'partitioned') await control.smallpondSealStage({ jobRoot: input.jobRoot, stage: spec });
  return finish();

  function finish(): StageResult {
    state = 'completed';
    report(true);
    upsertSearchAttributes([{ key: JOB_STATUS, value: 'completed' }]);
    return { index: spec.index, key: spec.key, tasksRun: executed, tasksSkipped: skipped };
  }
}
