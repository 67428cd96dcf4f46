// firepond/temporal: the plugin set, worker factory and dev-server helpers.
export { firepondPlugins, smallpondPlugin } from './plugins.ts';
export { createFirepondWorker, WORKFLOWS_PATH } from './worker.ts';
export type { FirepondWorkerOptions } from './worker.ts';
export { writeWorkflowBundle } from './bundle.ts';
export { FailureInterceptor, toApplicationFailure } from './failure-interceptor.ts';
export * from '../infra/temporal/index.ts';
