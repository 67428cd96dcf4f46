/**
 * A single read/write register holding a number (initially `initial`, 0 by default).
 */
import type { Model } from '../model.ts';

export type RegisterInput = { readonly op: 'write'; readonly value: number } | { readonly op: 'read' };

/** `unknown` is the output of an operation that never returned: it says nothing about the register. */
export type RegisterOutput =
  | { readonly op: 'write' }
  | { readonly op: 'read'; readonly value: number }
  | { readonly op: 'unknown' };

export const REGISTER_UNKNOWN: RegisterOutput = { op: 'unknown' };

export interface RegisterModelConfig {
  readonly initial: number;
}

export const DEFAULT_REGISTER_MODEL_CONFIG: RegisterModelConfig = { initial: 0 };

export function registerModel(config: RegisterModelConfig = DEFAULT_REGISTER_MODEL_CONFIG): Model<number, RegisterInput, RegisterOutput> {
  return {
    init: () => config.initial,
    step(state, input, output) {
      if (input.op === 'write') return { ok: true, state: input.value };
      // A read: must see the current value, unless its answer never arrived.
      if (output.op === 'unknown') return { ok: true, state };
      return { ok: output.op === 'read' && output.value === state, state };
    },
    equal: (a, b) => a === b,
    hash: (state) => String(state),
    describeOperation(input, output) {
      if (input.op === 'write') return `write(${input.value})`;
      return `read() -> ${output.op === 'read' ? output.value : '?'}`;
    },
    describeState: (state) => String(state),
  };
}
