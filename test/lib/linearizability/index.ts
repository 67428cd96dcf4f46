/** The linearizability checker for Firepond's tests: models, histories and `checkOperations`. */
export { checkOperations, describeLinearization } from './check.ts';
export type { CheckOptions, CheckResult, CheckVerdict } from './check.ts';
export { buildHistory, HistoryRecorder, isPending } from './history.ts';
export type { BuildHistoryOptions, History, HistoryEvent, Operation } from './history.ts';
export type { Model, StepResult } from './model.ts';
export { CHUNK_UNKNOWN, chunkStoreModel } from './models/chunk-store.ts';
export type { ChunkInput, ChunkOutput, ChunkState } from './models/chunk-store.ts';
export { DEFAULT_REGISTER_MODEL_CONFIG, REGISTER_UNKNOWN, registerModel } from './models/register.ts';
export type { RegisterInput, RegisterModelConfig, RegisterOutput } from './models/register.ts';
