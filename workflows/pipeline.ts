import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { describeFailure } from './failures.ts';
import type { JobProgress, PipelineInput, PipelineResult, StageProgress, StageResult } from './messages.ts';
import { progressQuery, stageProgressSignal } from './messages.ts';
import { stageRef } from './plan.ts';
import { JOB_ID, JOB_KIND, JOB_STATUS } from './search-attributes.ts';
import { stage } from './stage.ts';

/**
 * A smallpond job: one child `stage` workflow per stage, each started as soon as all of its inputs have completed.
 * The first failing stage cancels the others and fails the job with that stage's error.
 */
export async function pipeline(input: PipelineInput): Promise<PipelineResult> {
  const { plan, execution } = input;
  const self = workflowInfo().workflowId;
  const stages: StageProgress[] = plan.stages.map((s) => ({
    index: s.index, label: s.label, total: s.tasks, done: 0, skipped: 0, state: 'waiting',
  }));
  const progress = (): JobProgress => ({
    jobId: plan.jobId,
    stagesTotal: stages.length,
    stagesDone: stages.filter((s) => s.state === 'completed').length,
    tasksTotal: stages.reduce((n, s) => n + s.total, 0),
    tasksDone: stages.reduce((n, s) => n + s.done, 0),
    stages,
  });
  const showDetails = (): void => {
    const p = progress();
    const current = stages.find((s) => s.state === 'running');
    const line = current === undefined ? '' : ` · now: ${current.label} ${current.done}/${current.total}`;
    setCurrentDetails(`stage ${p.stagesDone}/${p.stagesTotal} · ${p.tasksDone}/${p.tasksTotal} tasks${line}`);
  };
  setHandler(progressQuery, progress);
  setHandler(stageProgressSignal, (update) => {
    const known = stages[update.index];
    // Signals can arrive out of order; never move a stage backwards.
    if (known !== undefined && (known.state !== 'completed' || update.state === 'completed') && update.done >= known.done) {
      stages[update.index] = update;
      showDetails();
    }
  });
  showDetails();

  const results: Promise<StageResult>[] = [];
  const scope = new CancellationScope();
  for (const spec of plan.stages) {
    results[spec.index] = Promise.all(spec.inputs.map((i) => results[i])).then(async () => {
      stages[spec.index] = { ...stages[spec.index]!, state: 'running' };
      showDetails();
      const result = await scope.run(() =>
        executeChild(stage, {
          workflowId: `${self}/stage-${spec.index}`,
          taskQueue: execution.taskQueue,
          staticSummary: `stage ${spec.index} of ${plan.jobId}: ${spec.label}`.slice(0, 200),
          typedSearchAttributes: [
            { key: JOB_ID, value: plan.jobId },
            { key: JOB_KIND, value: 'stage' },
            { key: JOB_STATUS, value: 'running' },
          ],
          args: [{
            jobId: plan.jobId,
            jobRoot: plan.jobRoot,
            stage: spec,
            inputs: spec.inputs.map((i) => stageRef(plan.stages[i]!)),
            execution,
            parentId: self,
            carried: null,
          }],
        }),
      );
      const prev = stages[spec.index]!;
      stages[spec.index] = { ...prev, done: prev.total, skipped: result.tasksSkipped, state: 'completed' };
      showDetails();
      return result;
    });
  }

  let stageResults: StageResult[];
  try {
    stageResults = await Promise.all(results.map((p) => p.catch((err: unknown) => {
      if (!scope.consideredCancelled) scope.cancel();
      throw err;
    })));
  } catch (err) {
    upsertSearchAttributes([{ key: JOB_STATUS, value: 'failed' }]);
    const { message, type } = describeFailure(err);
    throw ApplicationFailure.create({ message, type, nonRetryable: true, cause: err instanceof Error ? err : undefined });
  }
  upsertSearchAttributes([{ key: JOB_STATUS, value: 'completed' }]);
  return {
    jobId: plan.jobId,
    jobRoot: plan.jobRoot,
    output: stageRef(plan.stages[plan.output]!),
    stages: stageResults,
  };
}
