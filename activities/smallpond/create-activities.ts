import { Context } from '@temporalio/activity';
import type { InspectStageInput, InspectStageOutput, SealStageInput, TaskInput, TaskOutput } from '../../workflows/messages.ts';
import { inspectStage } from './inspect-stage.ts';
import { runTask } from './run-task.ts';
import { sealStage } from './seal-stage.ts';

/**
 * The smallpond activities. Names carry the plugin prefix so they never collide with another plugin's. Errors leave
 * as FirepondErrors; the plugin's activity interceptor turns them into ApplicationFailures typed by code.
 */
export function createSmallpondActivities() {
  return {
    async smallpondRunTask(input: TaskInput): Promise<TaskOutput> {
      const ctx = Context.current();
      return runTask(input, { heartbeat: () => ctx.heartbeat(), signal: ctx.cancellationSignal });
    },
    async smallpondInspectStage(input: InspectStageInput): Promise<InspectStageOutput> {
      return inspectStage(input);
    },
    async smallpondSealStage(input: SealStageInput): Promise<void> {
      return sealStage(input);
    },
  };
}

export type SmallpondActivities = ReturnType<typeof createSmallpondActivities>;
