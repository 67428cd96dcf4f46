import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../../infra/errors.ts';
import type { FunctionRef } from './js-function.ts';
import { fnRef, toFunctionRef } from './js-function.ts';

type Row = Record<string, unknown>;

function sourceOf(ref: FunctionRef): string {
  assert.equal(ref.kind, 'source');
  return ref.kind === 'source' ? ref.source : '';
}

/** Asserts `run` is refused as not portable and returns the message. */
function refusedMessage(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(hasCode(err, 'PIPELINE_FUNCTION_NOT_PORTABLE'), `expected PIPELINE_FUNCTION_NOT_PORTABLE, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected the function to be refused');
}

void describe('toFunctionRef accepts self-contained functions', () => {
  void it('arrow functions with destructuring, defaults and rest', () => {
    const fn = ({ a, b: [first, ...others] = [] }: { a: number; b?: number[] }, scale = 2, ...extra: number[]) =>
      a * scale + (first ?? 0) + others.length + extra.length;
    const ref = toFunctionRef(fn, 'map');
    assert.equal(ref.kind, 'source');
    assert.equal(ref.name, 'fn');
    assert.match(sourceOf(ref), /^\(/);
  });

  void it('defaults that refer to earlier parameters', () => {
    toFunctionRef((a: number, b = a * 2, { c = b }: { c?: number } = {}) => a + b + c, 'map');
  });

  void it('nested functions, hoisting, classes, labels and block scopes', () => {
    const fn = (rows: number[]) => {
      const out: number[] = [];
      outer: for (const row of rows) {
        for (let i = 0; i < 3; i++) {
          if (i > row) continue outer;
          out.push(twice(i));
        }
      }
      function twice(x: number): number {
        return helper(x) * 2;
        function helper(y: number) { return y; }
      }
      class Acc { total = 0; add(v: number) { this.total += v; return this; } }
      const acc = new Acc();
      for (const v of out) acc.add(v);
      try { JSON.parse('{'); } catch (err) { out.push(String(err).length); }
      const [{ first = 0 } = {}] = [{ first: out.length }];
      out.push(first);
      switch (out.length) { case 0: { const z = 1; out.push(z); break; } default: break; }
      return { out, total: acc.total, arguments: [].length };
    };
    toFunctionRef(fn, 'mapBatches');
  });

  void it('function keyword functions, declarations and arguments', () => {
    toFunctionRef(function keep(row: Row) { return arguments.length === 1 && row.id !== null; }, 'filter');
    function declared(row: Row) { return [row, row]; }
    const ref = toFunctionRef(declared, 'flatMap');
    assert.equal(ref.name, 'declared');
    assert.match(sourceOf(ref), /^\(function declared/);
  });

  void it('method shorthand, including async methods and keyword names', () => {
    const methods = {
      double(x: number) { return x * 2; },
      async later(x: number) { return x; },
      delete(x: number) { return -x; },
    };
    const ref = toFunctionRef(methods.double, 'map');
    assert.equal(ref.name, 'double');
    assert.match(sourceOf(ref), /^\(function \(x\)/);
    assert.match(sourceOf(toFunctionRef(methods.later, 'map')), /^\(async function \(x\)/);
    toFunctionRef(methods.delete, 'map');
  });

  void it('async functions', () => {
    toFunctionRef(async (x: number) => { await Promise.resolve(); return x; }, 'map');
    toFunctionRef(async function slow(x: number) { return x; }, 'map');
  });

  void it('standard globals', () => {
    toFunctionRef((row: { v: number[] }) => ({
      max: Math.max(...row.v),
      json: JSON.stringify(row),
      big: BigInt(row.v.length) * 2n,
      parsed: parseInt('12', 10) + Number('1'),
      seen: new Set(row.v).size + new Map<number, number>().size,
      when: new Date(0).toISOString(),
      ok: !isNaN(row.v.length) && row.v !== undefined,
    }), 'map');
  });

  void it('a parameter or local that shadows an outer variable', () => {
    const k = 3;
    assert.equal(k, 3);
    toFunctionRef((k: number) => k + 1, 'map');
    toFunctionRef((x: number) => { const k = 4; return x * k; }, 'map');
  });

  void it('property keys and member names that look like outer variables', () => {
    const k = 3;
    assert.equal(k, 3);
    toFunctionRef((row: { k: number }) => ({ k: row.k, ['k2']: 1 }), 'map');
  });

  void it('a FunctionRef is returned as is', () => {
    const registered = fnRef('scale', { factor: 3 });
    assert.equal(toFunctionRef(registered, 'map'), registered);
    const source = toFunctionRef((x: number) => x + 1, 'map');
    assert.equal(toFunctionRef(source, 'map'), source);
    assert.deepEqual(JSON.parse(JSON.stringify(source)), source);
  });
});

void describe('toFunctionRef refuses what cannot ship', () => {
  void it('a closure over a local, naming it and what to do instead', () => {
    const k = 3;
    const message = refusedMessage(() => toFunctionRef((x: number) => x * k, 'map'));
    assert.match(message, /\bk\b/);
    assert.match(message, /\bmap\b/);
    assert.match(message, /SQL/);
    assert.match(message, /registerFunction/);
    assert.match(message, /fnRef/);
  });

  void it('names every captured identifier, including from nested functions and defaults', () => {
    const factor = 2;
    const offset = 1;
    const limit = 10;
    const message = refusedMessage(() => toFunctionRef((x: number, cap = limit) => {
      const scaled = () => x * factor;
      return Math.min(scaled() + offset, cap);
    }, 'map'));
    for (const name of ['factor', 'offset', 'limit']) assert.match(message, new RegExp(`\\b${name}\\b`));
    assert.doesNotMatch(message, /\bscaled\b/);
  });

  void it('a variable declared only in an inner block', () => {
    const message = refusedMessage(() => toFunctionRef((x: number) => {
      if (x > 0) { const hidden = 1; return hidden; }
      // @ts-expect-error read outside its block on purpose
      return hidden;
    }, 'map'));
    assert.match(message, /\bhidden\b/);
  });

  void it('this, outer arguments, process, require, globalThis and eval', () => {
    assert.match(refusedMessage(() => toFunctionRef(new Scaler().apply, 'map')), /`this`/);
    assert.match(refusedMessage(() => toFunctionRef(function (this: unknown) { return this; }, 'map')), /`this`/);
    assert.match(refusedMessage(() => toFunctionRef(() => process.pid, 'map')), /\bprocess\b/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the point: require is not there on the worker
    assert.match(refusedMessage(() => toFunctionRef(() => require('node:fs') as unknown, 'map')), /\brequire\b/);
    assert.match(refusedMessage(outerArguments), /\barguments\b/);
    assert.match(refusedMessage(() => toFunctionRef(() => globalThis, 'map')), /\bglobalThis\b/);
    assert.match(refusedMessage(() => toFunctionRef((s: string) => eval(s) as unknown, 'map')), /\beval\b/);
    assert.match(refusedMessage(() => toFunctionRef(() => import('node:fs'), 'map')), /import\(\)/);
  });

  void it('changes to standard globals', () => {
    assert.match(refusedMessage(() => toFunctionRef(() => { Math.random = () => 4; }, 'map')), /global Math/);
  });

  void it('native and bound functions', () => {
    assert.match(refusedMessage(() => toFunctionRef(Math.max, 'map')), /native code/);
    const bound = ((x: number) => x).bind(null);
    assert.match(refusedMessage(() => toFunctionRef(bound, 'map')), /bound function/);
  });

  void it('classes and generators', () => {
    class Row { }
    assert.match(refusedMessage(() => toFunctionRef(Row as unknown as () => unknown, 'map')), /class/);
    assert.match(refusedMessage(() => toFunctionRef(function* rows() { yield 1; }, 'flatMap')), /generator/);
    const withSuper = { describe() { return `row ${super.toString()}`; } };
    assert.match(refusedMessage(() => toFunctionRef(withSuper.describe, 'map')), /super/);
  });

  void it('a hand-written source that is not a single function', () => {
    const ref: FunctionRef = { kind: 'source', source: '(x => x), 1', name: null };
    assert.match(refusedMessage(() => toFunctionRef(ref, 'map')), /single function/);
  });
});

void describe('fnRef', () => {
  void it('carries the name and JSON args, null when none are given', () => {
    assert.deepEqual(fnRef('scale', { factor: 3 }), { kind: 'registered', name: 'scale', args: { factor: 3 } });
    assert.deepEqual(fnRef('scale'), { kind: 'registered', name: 'scale', args: null });
  });

  void it('refuses args that JSON would not carry', () => {
    assert.match(refusedMessage(() => fnRef('scale', { when: new Date(0) })), /args\.when is a Date/);
    assert.match(refusedMessage(() => fnRef('scale', { n: 1n })), /args\.n is a bigint/);
    assert.match(refusedMessage(() => fnRef('scale', [1, undefined])), /args\[1\] is undefined/);
  });
});

function outerArguments(): FunctionRef {
  return toFunctionRef(() => arguments.length, 'map');
}

class Scaler {
  factor = 2;
  apply = (x: number): number => x * this.factor;
}
