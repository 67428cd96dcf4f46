// firepond/cluster: the local stack of a data directory (`firepond up` / `down` / `status`).
export { down, status, up } from './local-stack.ts';
export type { StackStatus, UpOptions } from './local-stack.ts';
