import type { Client } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import type { pipeline } from '../../workflows/pipeline.ts';
import type { ExecutionOptions, JobProgress, PipelineResult } from '../../workflows/messages.ts';
import { progressQuery } from '../../workflows/messages.ts';
import type { StagePlan } from '../../workflows/plan.ts';
import { JOB_ID, JOB_KIND, JOB_STATUS } from '../../workflows/search-attributes.ts';
import { toJobError } from './job-failure.ts';
import { describePlan } from './planner.ts';

export interface RunPipelineOptions {
  readonly workflowId: string;
  readonly execution: ExecutionOptions;
  /** Show a progress bar on stderr while waiting. */
  readonly progress: boolean;
  /** Where the output goes, for the job's summary ("returned to the client", or a path). */
  readonly outputDescription: string;
}

function summaryOf(plan: StagePlan, out: string): string {
  const tasks = plan.stages.reduce((n, s) => n + s.tasks, 0);
  return `smallpond job ${plan.jobId}: ${plan.stages.length} stages, ${tasks} tasks → ${out}`.slice(0, 200);
}

function detailsOf(plan: StagePlan, out: string): string {
  const sources = plan.stages.flatMap((s) => (s.params.kind === 'source' ? s.params.paths : []));
  return [
    `## smallpond job \`${plan.jobId}\``,
    '',
    `**Job root:** \`${plan.jobRoot}\`  `,
    `**Inputs:** ${sources.length === 0 ? 'none' : sources.map((p) => `\`${p}\``).join(', ')}  `,
    `**Output:** ${out}`,
    '',
    '### Plan',
    describePlan(plan),
  ].join('\n').slice(0, 20_000);
}

/** Starts (or attaches to) the pipeline workflow of a plan and waits for it, optionally drawing a progress bar. */
export async function runPipeline(client: Client, plan: StagePlan, options: RunPipelineOptions): Promise<PipelineResult> {
  const handle = await client.workflow.start<typeof pipeline>('pipeline', {
    workflowId: options.workflowId,
    taskQueue: options.execution.taskQueue,
    args: [{ plan, execution: options.execution }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: JOB_ID, value: plan.jobId },
      { key: JOB_KIND, value: 'pipeline' },
      { key: JOB_STATUS, value: 'running' },
    ],
    staticSummary: summaryOf(plan, options.outputDescription),
    staticDetails: detailsOf(plan, options.outputDescription),
  });
  let bar: SingleBar | null = null;
  let timer: NodeJS.Timeout | null = null;
  if (options.progress) {
    bar = new SingleBar({
      format: `${options.workflowId} |{bar}| {value}/{total} tasks · stage {stagesDone}/{stagesTotal} {current}`,
      stream: process.stderr,
      hideCursor: true,
    });
    bar.start(plan.stages.reduce((n, s) => n + s.tasks, 0), 0, { stagesDone: 0, stagesTotal: plan.stages.length, current: '' });
    const poll = async (): Promise<void> => {
      try {
        const p: JobProgress = await handle.query(progressQuery);
        const current = p.stages.find((s) => s.state === 'running');
        bar?.update(p.tasksDone, { stagesDone: p.stagesDone, stagesTotal: p.stagesTotal, current: current?.label ?? '' });
      } catch {
        /* not yet queryable (no worker picked it up) or already closed */
      }
    };
    timer = setInterval(() => void poll(), 500);
  }
  try {
    const result = await handle.result();
    bar?.update(bar.getTotal(), { stagesDone: plan.stages.length, current: 'done' });
    return result;
  } catch (err) {
    throw toJobError(err, options.workflowId);
  } finally {
    if (timer !== null) clearInterval(timer);
    bar?.stop();
  }
}
