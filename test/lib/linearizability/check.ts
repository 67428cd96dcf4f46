/**
 * Linearizability checking by search (Wing & Gong), with Lowe's just-in-time linearization and memoization of
 * (linearized set, model state) — the algorithm Porcupine uses.
 *
 * The history becomes one list of call and return entries in time order (calls before returns on equal times, so
 * operations that touch at an instant count as concurrent):
 *
 *   head ─ call a ─ call b ─ ret a ─ call c ─ ret b ─ ret c
 *
 * Walking from the head, every call reached before the first return is a candidate to take effect next. The search
 * tries one: if the model accepts it and (linearized set, new state) was not explored before, the operation is
 * "lifted" (its call and return leave the list, dancing-links style, so it can be put back in O(1)) and the walk
 * restarts from the head. Reaching a return entry means its operation should already have taken effect: nothing
 * further works from here, so the last choice is undone ("unlifted") and the walk continues after it. The history is
 * linearizable when every completed operation is lifted; it is not when the search must undo with nothing to undo.
 *
 * Pending operations (`return = Infinity`, see history.ts) have no return entry: they may be lifted whenever their
 * call has been reached, and need not be lifted at all.
 */
import type { History, Operation } from './history.ts';
import type { Model } from './model.ts';

export type CheckVerdict = 'ok' | 'illegal' | 'unknown';

export interface CheckOptions {
  /** Give up with 'unknown' after this long; no limit when null or absent. */
  readonly timeoutMs?: number | null;
}

export interface CheckResult<Input, Output> {
  readonly result: CheckVerdict;
  /**
   * For 'illegal': the longest sequence of operations the search managed to linearize in the first failing
   * partition — the point where every continuation breaks the model. Null otherwise.
   */
  readonly partialLinearization: readonly Operation<Input, Output>[] | null;
  /** For 'illegal': all operations of the failing partition. Null otherwise. */
  readonly illegalPartition: History<Input, Output> | null;
}

/** Checks a history against a model, partition by partition when the model can partition. */
export function checkOperations<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: History<Input, Output>,
  options: CheckOptions = {},
): CheckResult<Input, Output> {
  const deadline = options.timeoutMs == null ? Infinity : Date.now() + options.timeoutMs;
  const parts = model.partition === undefined ? [history] : model.partition(history);
  let verdict: CheckVerdict = 'ok';
  for (const part of parts) {
    const r = checkPartition(model, part, deadline);
    if (r.result === 'illegal') return { result: 'illegal', partialLinearization: r.longest, illegalPartition: part };
    if (r.result === 'unknown') verdict = 'unknown';
  }
  return { result: verdict, partialLinearization: null, illegalPartition: null };
}

/** One line per operation, in the given order, with the model state after each when the model can describe it. */
export function describeLinearization<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: readonly Operation<Input, Output>[],
): string {
  const lines: string[] = [];
  let state = model.init();
  for (const op of ops) {
    const what = model.describeOperation?.(op.input, op.output) ?? JSON.stringify({ input: op.input, output: op.output });
    const r = model.step(state, op.input, op.output);
    state = r.state;
    const after = model.describeState === undefined ? '' : ` -> ${model.describeState(state)}`;
    lines.push(`client ${op.clientId} [${op.call}, ${op.return}] ${what}${r.ok ? '' : ' (rejected)'}${after}`);
  }
  return lines.join('\n');
}

interface Entry {
  /** Index of the operation in the partition. */
  readonly id: number;
  readonly isCall: boolean;
  /** The call's return entry (null for pending operations), or the return's call entry. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

interface Frame<State> {
  readonly entry: Entry;
  /** The model state before this entry's operation took effect. */
  readonly state: State;
}

/** How often (in search steps) to look at the clock. */
const DEADLINE_CHECK_INTERVAL = 1024;

function checkPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: History<Input, Output>,
  deadline: number,
): { result: CheckVerdict; longest: Operation<Input, Output>[] } {
  const head = buildEntryList(ops);
  const linearized = new Bitset(ops.length);
  const memo = new Memo(model);
  const stack: Frame<State>[] = [];
  let longest: Operation<Input, Output>[] = [];
  let state = model.init();
  let remaining = ops.filter((op) => op.return !== Infinity).length;
  let entry = head.next;
  let steps = 0;

  while (remaining > 0) {
    if (++steps % DEADLINE_CHECK_INTERVAL === 0 && Date.now() > deadline) return { result: 'unknown', longest };
    // A completed operation's return entry is always somewhere ahead, so the walk cannot run off the list.
    if (entry === null) throw new Error('linearizability: entry list exhausted with operations left');

    if (entry.isCall) {
      // 1. Try to let this operation take effect now.
      const op = ops[entry.id]!;
      const next = model.step(state, op.input, op.output);
      if (next.ok) {
        linearized.set(entry.id);
        if (memo.add(linearized, next.state)) {
          stack.push({ entry, state });
          state = next.state;
          lift(entry);
          if (entry.match !== null) remaining--;
          if (stack.length > longest.length) longest = stack.map((f) => ops[f.entry.id]!);
          entry = head.next;
          continue;
        }
        // Explored before from this very (set, state): nothing new down this path.
        linearized.clear(entry.id);
      }
      entry = entry.next;
    } else {
      // 2. An operation's deadline: undo the last choice and try the next candidate after it.
      const top = stack.pop();
      if (top === undefined) return { result: 'illegal', longest };
      entry = top.entry;
      state = top.state;
      linearized.clear(entry.id);
      unlift(entry);
      if (entry.match !== null) remaining++;
      entry = entry.next;
    }
  }
  return { result: 'ok', longest };
}

/** A sentinel head followed by every call and return entry in time order, calls first on equal times. */
function buildEntryList(ops: History<unknown, unknown>): Entry {
  const events: { time: number; entry: Entry }[] = [];
  ops.forEach((op, id) => {
    const call: Entry = { id, isCall: true, match: null, prev: null, next: null };
    events.push({ time: op.call, entry: call });
    if (op.return !== Infinity) {
      const ret: Entry = { id, isCall: false, match: call, prev: null, next: null };
      call.match = ret;
      events.push({ time: op.return, entry: ret });
    }
  });
  events.sort((a, b) => a.time - b.time || Number(b.entry.isCall) - Number(a.entry.isCall) || a.entry.id - b.entry.id);
  const head: Entry = { id: -1, isCall: false, match: null, prev: null, next: null };
  let tail = head;
  for (const { entry } of events) {
    entry.prev = tail;
    tail.next = entry;
    tail = entry;
  }
  return head;
}

/** Unlinks a call and its return; both keep their own links so `unlift` can put them back. */
function lift(call: Entry): void {
  unlink(call);
  if (call.match !== null) unlink(call.match);
}

/** Undoes `lift` (in reverse order, as dancing links require). */
function unlift(call: Entry): void {
  if (call.match !== null) relink(call.match);
  relink(call);
}

function unlink(e: Entry): void {
  e.prev!.next = e.next;
  if (e.next !== null) e.next.prev = e.prev;
}

function relink(e: Entry): void {
  e.prev!.next = e;
  if (e.next !== null) e.next.prev = e;
}

class Bitset {
  readonly #words: Uint32Array;

  constructor(bits: number) {
    this.#words = new Uint32Array(Math.ceil(bits / 32));
  }

  set(i: number): void {
    this.#words[i >>> 5]! |= 1 << (i & 31);
  }

  clear(i: number): void {
    this.#words[i >>> 5]! &= ~(1 << (i & 31));
  }

  /** A string naming exactly this set of bits. */
  key(): string {
    return this.#words.join(',');
  }
}

/** The (linearized set, state) pairs the search has been in. */
class Memo<State, Input, Output> {
  readonly #seen = new Map<string, State[]>();
  readonly #model: Model<State, Input, Output>;

  constructor(model: Model<State, Input, Output>) {
    this.#model = model;
  }

  /** Records the pair; false if it was already there. */
  add(linearized: Bitset, state: State): boolean {
    const key = this.#model.hash === undefined ? linearized.key() : `${linearized.key()}|${this.#model.hash(state)}`;
    const bucket = this.#seen.get(key);
    if (bucket === undefined) {
      this.#seen.set(key, [state]);
      return true;
    }
    if (bucket.some((s) => this.#model.equal(s, state))) return false;
    bucket.push(state);
    return true;
  }
}
