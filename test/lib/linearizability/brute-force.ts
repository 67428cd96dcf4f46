/**
 * A slow, obviously-correct linearizability oracle for tiny histories, to cross-check `checkOperations`: try every
 * permutation of the operations, keep those that respect real-time order (a before b when a returned strictly
 * before b was called), and ask whether the model accepts one of them from `init()`.
 *
 * Pending operations are permuted too. That covers "never took effect": a pending operation has nothing after it in
 * real time, so it may always go last, where its effect is unobservable.
 */
import type { History } from './history.ts';
import type { Model } from './model.ts';

/** Refuses histories longer than this: 8! permutations is where "brute force" stops being cheap. */
export const BRUTE_FORCE_MAX_OPS = 8;

export function isLinearizableByBruteForce<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: History<Input, Output>,
): boolean {
  if (history.length > BRUTE_FORCE_MAX_OPS) throw new Error(`brute force: ${history.length} operations is too many`);
  for (const order of permutations(history.length)) {
    if (!respectsRealTime(history, order)) continue;
    let state = model.init();
    let accepted = true;
    for (const i of order) {
      const op = history[i]!;
      const r = model.step(state, op.input, op.output);
      if (!r.ok) {
        accepted = false;
        break;
      }
      state = r.state;
    }
    if (accepted) return true;
  }
  return false;
}

function respectsRealTime(history: History<unknown, unknown>, order: readonly number[]): boolean {
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      // order[j] is placed after order[i]: wrong if it returned before order[i] was called.
      if (history[order[j]!]!.return < history[order[i]!]!.call) return false;
    }
  }
  return true;
}

/** Every permutation of 0..n-1 (Heap's algorithm); each yielded array is a fresh copy. */
function* permutations(n: number): Generator<number[]> {
  const a = Array.from({ length: n }, (_, i) => i);
  const c = new Array<number>(n).fill(0);
  yield [...a];
  let i = 0;
  while (i < n) {
    if (c[i]! < i) {
      const k = i % 2 === 0 ? 0 : c[i]!;
      [a[k], a[i]] = [a[i]!, a[k]!];
      yield [...a];
      c[i]!++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
}
