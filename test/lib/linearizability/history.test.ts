import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOperations } from './check.ts';
import { buildHistory, HistoryRecorder, isPending } from './history.ts';
import { REGISTER_UNKNOWN, registerModel } from './models/register.ts';
import type { RegisterInput, RegisterOutput } from './models/register.ts';

describe('linearizability: histories', () => {
  it('pairs calls and returns by id and leaves unreturned calls pending', () => {
    const ops = buildHistory<RegisterInput, RegisterOutput>(
      [
        { kind: 'call', opId: 7, clientId: 1, input: { op: 'read' }, time: 3 },
        { kind: 'call', opId: 2, clientId: 0, input: { op: 'write', value: 5 }, time: 1 },
        { kind: 'return', opId: 7, output: { op: 'read', value: 5 }, time: 4 },
      ],
      { pendingOutput: REGISTER_UNKNOWN },
    );
    assert.deepEqual(ops, [
      { clientId: 0, input: { op: 'write', value: 5 }, output: REGISTER_UNKNOWN, call: 1, return: Infinity },
      { clientId: 1, input: { op: 'read' }, output: { op: 'read', value: 5 }, call: 3, return: 4 },
    ]);
    assert.equal(isPending(ops[0]!), true);
    assert.equal(isPending(ops[1]!), false);
  });

  it('rejects malformed recordings', () => {
    const opts = { pendingOutput: REGISTER_UNKNOWN };
    const call = { kind: 'call', opId: 0, clientId: 0, input: { op: 'read' }, time: 5 } as const;
    assert.throws(() => buildHistory([{ kind: 'return', opId: 0, output: REGISTER_UNKNOWN, time: 1 }], opts), /without call/);
    assert.throws(() => buildHistory([call, call], opts), /duplicate call/);
    assert.throws(() => buildHistory([call, { kind: 'return', opId: 0, output: REGISTER_UNKNOWN, time: 4 }], opts), /before its call/);
  });

  it('records a history with a logical clock', () => {
    const rec = new HistoryRecorder<RegisterInput, RegisterOutput>();
    const w = rec.call(0, { op: 'write', value: 1 });
    const r = rec.call(1, { op: 'read' });
    rec.return(r, { op: 'read', value: 1 });
    rec.return(w, { op: 'write' });
    rec.call(2, { op: 'write', value: 2 }); // the client crashed
    const stale = rec.call(1, { op: 'read' });
    rec.return(stale, { op: 'read', value: 0 });

    const ops = rec.history({ pendingOutput: REGISTER_UNKNOWN });
    assert.deepEqual(ops.map((op) => [op.call, op.return]), [[0, 3], [1, 2], [4, Infinity], [5, 6]]);
    assert.equal(checkOperations(registerModel(), ops.slice(0, 3)).result, 'ok');
    // The write of 1 completed before the last read began, and the pending write of 2 cannot restore 0.
    assert.equal(checkOperations(registerModel(), ops).result, 'illegal');
  });
});
