/**
 * Known linearizable and non-linearizable register histories, pending operations, the partial linearization of a
 * failure, and the timeout path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOperations, describeLinearization } from './check.ts';
import type { Operation } from './history.ts';
import { registerModel } from './models/register.ts';
import type { RegisterInput, RegisterOutput } from './models/register.ts';

type RegisterOp = Operation<RegisterInput, RegisterOutput>;

function write(clientId: number, call: number, ret: number, value: number): RegisterOp {
  return { clientId, input: { op: 'write', value }, output: { op: 'write' }, call, return: ret };
}

function read(clientId: number, call: number, ret: number, value: number): RegisterOp {
  return { clientId, input: { op: 'read' }, output: { op: 'read', value }, call, return: ret };
}

/** Called and never returned. */
function pendingWrite(clientId: number, call: number, value: number): RegisterOp {
  return { clientId, input: { op: 'write', value }, output: { op: 'unknown' }, call, return: Infinity };
}

function pendingRead(clientId: number, call: number): RegisterOp {
  return { clientId, input: { op: 'read' }, output: { op: 'unknown' }, call, return: Infinity };
}

function verdict(history: RegisterOp[]): string {
  return checkOperations(registerModel(), history).result;
}

describe('linearizability: linearizable register histories', () => {
  it('accepts the empty history', () => {
    assert.equal(verdict([]), 'ok');
  });

  it('accepts a sequential history', () => {
    assert.equal(verdict([read(0, 0, 1, 0), write(0, 2, 3, 1), read(1, 4, 5, 1), write(1, 6, 7, 2), read(0, 8, 9, 2)]), 'ok');
  });

  it('accepts a read overlapping a write, whichever value it sees', () => {
    for (const seen of [0, 1]) assert.equal(verdict([write(0, 0, 10, 1), read(1, 5, 15, seen)]), 'ok', `read ${seen}`);
  });

  it('accepts a read concurrent with two writes seeing either or neither', () => {
    for (const seen of [0, 1, 2]) {
      assert.equal(verdict([write(0, 0, 10, 1), write(1, 0, 10, 2), read(2, 2, 8, seen)]), 'ok', `read ${seen}`);
    }
  });

  it('accepts operations that touch at an instant as concurrent', () => {
    // The write returns at 5 and the read is called at 5: the read may still go first.
    assert.equal(verdict([write(0, 0, 5, 1), read(1, 5, 6, 0)]), 'ok');
  });

  it('accepts two readers seeing concurrent writes in the same order', () => {
    const history = [
      write(0, 0, 100, 1), write(1, 0, 100, 2),
      read(2, 10, 20, 1), read(2, 30, 40, 2),
      read(3, 10, 20, 1), read(3, 30, 40, 2),
    ];
    assert.equal(verdict(history), 'ok');
  });
});

describe('linearizability: non-linearizable register histories', () => {
  it('rejects a read of a value never written', () => {
    assert.equal(verdict([write(0, 0, 1, 1), read(1, 0, 3, 7)]), 'illegal');
  });

  it('rejects a stale read after a completed write', () => {
    assert.equal(verdict([write(0, 0, 10, 1), read(1, 11, 12, 0)]), 'illegal');
  });

  it('rejects a read going back to an older value', () => {
    // Once a reader saw 2 after both writes finished, nobody may see 1 later.
    assert.equal(verdict([write(0, 0, 5, 1), write(1, 3, 8, 2), read(2, 9, 10, 2), read(3, 11, 12, 1)]), 'illegal');
  });

  it('rejects two readers seeing concurrent writes in opposite orders', () => {
    const history = [
      write(0, 0, 100, 1), write(1, 0, 100, 2),
      read(2, 10, 20, 1), read(2, 30, 40, 2),
      read(3, 10, 20, 2), read(3, 30, 40, 1),
    ];
    assert.equal(verdict(history), 'illegal');
  });

  it('reports the longest partial linearization and the failing partition', () => {
    const history = [write(0, 0, 10, 1), read(1, 11, 12, 1), write(0, 13, 14, 2), read(1, 15, 16, 1)];
    const r = checkOperations(registerModel(), history);
    assert.equal(r.result, 'illegal');
    assert.deepEqual(r.partialLinearization, history.slice(0, 3));
    assert.deepEqual(r.illegalPartition, history);
    assert.match(describeLinearization(registerModel(), r.partialLinearization ?? []), /write\(2\) -> 2$/);
  });

  it('returns no partial linearization when the history is fine', () => {
    const r = checkOperations(registerModel(), [write(0, 0, 1, 1)]);
    assert.deepEqual(r, { result: 'ok', partialLinearization: null, illegalPartition: null });
  });
});

describe('linearizability: operations that never returned', () => {
  it('lets a pending write take effect after its call', () => {
    assert.equal(verdict([pendingWrite(0, 0, 1), read(1, 5, 6, 1), read(1, 7, 8, 1)]), 'ok');
  });

  it('lets a pending write take effect late', () => {
    assert.equal(verdict([pendingWrite(0, 0, 1), read(1, 5, 6, 0), read(1, 100, 101, 1)]), 'ok');
  });

  it('lets a pending write never take effect', () => {
    assert.equal(verdict([pendingWrite(0, 0, 1), read(1, 5, 6, 0), read(1, 100, 101, 0)]), 'ok');
  });

  it('does not let a pending write take effect before its call', () => {
    assert.equal(verdict([read(1, 0, 1, 1), pendingWrite(0, 2, 1)]), 'illegal');
  });

  it('does not let a pending write take effect twice', () => {
    assert.equal(verdict([pendingWrite(0, 0, 1), read(1, 5, 6, 1), write(2, 7, 8, 2), read(1, 9, 10, 1)]), 'illegal');
  });

  it('treats a pending read as carrying no information', () => {
    assert.equal(verdict([pendingRead(0, 0), write(1, 1, 2, 1), read(2, 3, 4, 1)]), 'ok');
    assert.equal(verdict([pendingRead(0, 0), write(1, 1, 2, 1), read(2, 3, 4, 0)]), 'illegal');
  });
});

describe('linearizability: timeout', () => {
  it('answers unknown when the deadline has passed', () => {
    // Twelve concurrent writes and a read of a value none wrote: refuting it explores thousands of states.
    const history = [...Array.from({ length: 12 }, (_, i) => write(i, 0, 10, i + 1)), read(99, 0, 10, 99)];
    assert.equal(checkOperations(registerModel(), history, { timeoutMs: -1 }).result, 'unknown');
  });
});
