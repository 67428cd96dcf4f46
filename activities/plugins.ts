import { SimplePlugin } from '@temporalio/plugin';
import { FailureInterceptor } from './failure-interceptor.ts';
import { createSmallpondActivities } from './smallpond/create-activities.ts';

/**
 * The `smallpond` plugin: partition-task activities and the interceptor that types their failures by error code.
 * Workflows come from the one entry `workflows/index.ts` (Temporal replaces, not merges, `workflowsPath` between
 * plugins, so the plugin set has a single workflows module; see `createFirepondWorker`).
 */
export function smallpondPlugin(): SimplePlugin {
  return new SimplePlugin({
    name: 'firepond.smallpond',
    activities: createSmallpondActivities(),
    workerInterceptors: { activity: [() => ({ inbound: new FailureInterceptor() })] },
  });
}

/** Every plugin of the set, in registration order. */
export function firepondPlugins(): SimplePlugin[] {
  return [smallpondPlugin()];
}
