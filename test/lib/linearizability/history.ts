/**
 * Concurrent histories for the linearizability checker: what each client asked, what it was told, and when.
 *
 * Times are logical timestamps or hrtime readings; only their order matters. An operation whose client never heard
 * back (a crashed client, a timed-out RPC, an error whose effect is unknown) gets `return = +Infinity`: it may take
 * effect at any point after its call, or not at all, and its output carries no information. Its `output` is then the
 * model's "unknown" value (the caller passes it as `pendingOutput`), which the model must accept in any state.
 */

export interface Operation<Input, Output> {
  readonly clientId: number;
  readonly input: Input;
  readonly output: Output;
  /** When the client issued the call. */
  readonly call: number;
  /** When the client saw the result; `Infinity` if it never did. */
  readonly return: number;
}

export type History<Input, Output> = readonly Operation<Input, Output>[];

export type HistoryEvent<Input, Output> =
  | { readonly kind: 'call'; readonly opId: number; readonly clientId: number; readonly input: Input; readonly time: number }
  | { readonly kind: 'return'; readonly opId: number; readonly output: Output; readonly time: number };

export interface BuildHistoryOptions<Output> {
  /** The output given to operations that were called but never returned. */
  readonly pendingOutput: Output;
}

/** True when the operation never returned (see the header comment). */
export function isPending(op: Operation<unknown, unknown>): boolean {
  return op.return === Infinity;
}

/**
 * Pairs call and return events by `opId` into operations, in call order. A return without a call, a second call or
 * return for one id, or a return before its call is a bug in the recording and throws.
 */
export function buildHistory<Input, Output>(
  events: readonly HistoryEvent<Input, Output>[],
  options: BuildHistoryOptions<Output>,
): Operation<Input, Output>[] {
  const calls = new Map<number, Extract<HistoryEvent<Input, Output>, { kind: 'call' }>>();
  const returns = new Map<number, Extract<HistoryEvent<Input, Output>, { kind: 'return' }>>();
  for (const e of events) {
    const seen = e.kind === 'call' ? calls : returns;
    if (seen.has(e.opId)) throw new Error(`history: duplicate ${e.kind} for operation ${e.opId}`);
    if (e.kind === 'call') calls.set(e.opId, e);
    else returns.set(e.opId, e);
  }
  const ops: Operation<Input, Output>[] = [];
  for (const [opId, c] of calls) {
    const r = returns.get(opId);
    if (r !== undefined && r.time < c.time) throw new Error(`history: operation ${opId} returns before its call`);
    ops.push({
      clientId: c.clientId,
      input: c.input,
      output: r === undefined ? options.pendingOutput : r.output,
      call: c.time,
      return: r === undefined ? Infinity : r.time,
    });
  }
  for (const opId of returns.keys()) {
    if (!calls.has(opId)) throw new Error(`history: return without call for operation ${opId}`);
  }
  return ops.sort((a, b) => a.call - b.call);
}

/**
 * Records a history from live test clients with a logical clock: every call and return takes the next tick, so the
 * recorded order is exactly the order in which the test observed the events.
 *
 *   const rec = new HistoryRecorder<RegisterInput, RegisterOutput>();
 *   const id = rec.call(client, { op: 'read' });
 *   rec.return(id, { op: 'read', value: await reg.read() });
 *   checkOperations(registerModel(), rec.history({ pendingOutput: UNKNOWN_OUTPUT }));
 */
export class HistoryRecorder<Input, Output> {
  readonly #events: HistoryEvent<Input, Output>[] = [];
  #clock = 0;
  #nextOpId = 0;

  /** Records a call and returns the id to pass to `return()` when the result arrives. */
  call(clientId: number, input: Input): number {
    const opId = this.#nextOpId++;
    this.#events.push({ kind: 'call', opId, clientId, input, time: this.#clock++ });
    return opId;
  }

  return(opId: number, output: Output): void {
    this.#events.push({ kind: 'return', opId, output, time: this.#clock++ });
  }

  /** Operations so far; calls without a return yet are pending (`return = Infinity`). */
  history(options: BuildHistoryOptions<Output>): Operation<Input, Output>[] {
    return buildHistory(this.#events, options);
  }
}
