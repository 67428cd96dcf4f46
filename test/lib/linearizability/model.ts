/**
 * A sequential specification for the linearizability checker: the state machine a concurrent object must look like.
 */
import type { History } from './history.ts';

export interface StepResult<State> {
  /** Whether `output` is what the object may answer to `input` in the state before the step. */
  readonly ok: boolean;
  /** The state after the step (ignored when `ok` is false). */
  readonly state: State;
}

export interface Model<State, Input, Output> {
  init(): State;
  /** Applies one operation. Must not mutate `state`: the checker backtracks to earlier states. */
  step(state: State, input: Input, output: Output): StepResult<State>;
  equal(a: State, b: State): boolean;
  /**
   * A string equal for equal states, used to bucket the checker's memo. Without it, states that share a linearized
   * set are compared one by one with `equal`.
   */
  hash?(state: State): string;
  /**
   * Splits a history into independent sub-histories (P-compositionality: a history over independent keys is
   * linearizable iff each key's sub-history is). Each part is checked alone from `init()`, so the model's state then
   * describes a single key.
   */
  partition?(history: History<Input, Output>): History<Input, Output>[];
  describeOperation?(input: Input, output: Output): string;
  describeState?(state: State): string;
}
