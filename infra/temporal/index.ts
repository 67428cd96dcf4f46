export { DEV_SERVER_DEFAULTS, isProcessAlive, readDevServerInfo, startDevServer, stopDevServer } from './dev-server.ts';
export type { DevServerInfo, DevServerOptions, SearchAttributeType } from './dev-server.ts';
export { connectClient, connectWorker, resolveAddress, resolveNamespace } from './connection.ts';
export type { ClientHandle, TemporalTarget } from './connection.ts';
export { isServerHealthy, waitForServer } from './health.ts';
export { findTemporalBinary, resolveDataDir, temporalCacheDir, TEMPORAL_CLI_VERSION } from './paths.ts';
export { configureTemporalRuntime } from './runtime.ts';
export { ensureSearchAttributes } from './search-attributes.ts';
