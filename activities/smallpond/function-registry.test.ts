import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FunctionRef } from '../../client/smallpond/js-function.ts';
import { fnRef, toFunctionRef } from '../../client/smallpond/js-function.ts';
import { hasCode } from '../../infra/errors.ts';
import { registerFunction, resolveFunction, unregisterFunction } from './function-registry.ts';

/** What the worker sees: the ref after a trip through JSON, as inside a plan. */
function shipped(fn: Parameters<typeof toFunctionRef>[0], purpose = 'map'): FunctionRef {
  return JSON.parse(JSON.stringify(toFunctionRef(fn, purpose))) as FunctionRef;
}

void describe('resolveFunction for source', () => {
  void it('gives the same results as the original function', () => {
    const cases: Array<[(...args: never[]) => unknown, unknown[][]]> = [
      [({ a, b: [first, ...rest] = [] }: { a: number; b?: number[] }, scale = 2) => a * scale + (first ?? 0) + rest.length,
        [[{ a: 1 }], [{ a: 2, b: [5, 6, 7] }, 10]]],
      [function keep(row: { v: number }) { return row.v > 1 && arguments.length === 1; }, [[{ v: 1 }], [{ v: 2 }]]],
      [(rows: number[]) => {
        function twice(x: number): number { return x * 2; }
        const inc = (x: number) => x + 1;
        class Acc { total = 0; add(v: number) { this.total += v; return this; } }
        const acc = new Acc();
        for (const r of rows) acc.add(inc(twice(r)));
        return [acc.total, twice.name, inc.name];
      }, [[[1, 2, 3]], [[]]]],
      [(row: { v: number[] }) => ({ max: Math.max(...row.v), json: JSON.stringify(row), big: String(BigInt(row.v.length) * 2n) }),
        [[{ v: [3, 9, 4] }]]],
      [{ double(x: number) { return x * 2; } }.double, [[4]]],
    ];
    for (const [fn, calls] of cases) {
      const resolved = resolveFunction(shipped(fn));
      for (const args of calls) assert.deepEqual(resolved(...args), (fn as (...a: unknown[]) => unknown)(...args));
    }
  });

  void it('runs async functions', async () => {
    const resolved = resolveFunction(shipped(async (x: number) => { await Promise.resolve(); return x * 3; }));
    assert.equal(await resolved(2), 6);
  });

  void it('compiles each source once', () => {
    const ref = shipped((x: number) => x + 1);
    assert.equal(resolveFunction(ref), resolveFunction(JSON.parse(JSON.stringify(ref)) as FunctionRef));
  });

  void it('reports what a function throws as PIPELINE_FUNCTION_FAILED', async () => {
    const throwing = resolveFunction(shipped(function parseRow(s: string) { return JSON.parse(s) as unknown; }));
    assert.throws(() => throwing('{'), (err) => hasCode(err, 'PIPELINE_FUNCTION_FAILED') && /parseRow/.test(err.message));
    const rejecting = resolveFunction(shipped(async () => { throw new RangeError('too big'); }));
    await assert.rejects(async () => rejecting(), (err) => hasCode(err, 'PIPELINE_FUNCTION_FAILED') && /too big/.test(err.message));
  });

  void it('refuses source that does not compile on this worker', () => {
    const ref: FunctionRef = { kind: 'source', source: '(x => {)', name: 'broken' };
    assert.throws(() => resolveFunction(ref), (err) => hasCode(err, 'PIPELINE_FUNCTION_NOT_PORTABLE') && /broken/.test(err.message));
  });
});

void describe('resolveFunction for registered functions', () => {
  void it('passes the JSON args as the last parameter', (t) => {
    registerFunction('test.scale', (row: { v: number }, args: { factor: number }) => ({ v: row.v * args.factor }));
    t.after(() => unregisterFunction('test.scale'));
    const resolved = resolveFunction(JSON.parse(JSON.stringify(fnRef('test.scale', { factor: 3 }))) as FunctionRef);
    assert.deepEqual(resolved({ v: 2 }), { v: 6 });
  });

  void it('may close over worker state, and re-registering replaces the function', (t) => {
    const seen: unknown[] = [];
    registerFunction('test.record', (x: number, args: null) => { seen.push([x, args]); return 1; });
    t.after(() => unregisterFunction('test.record'));
    registerFunction('test.record', (x: number, args: null) => { seen.push([x, args]); return 2; });
    assert.equal(resolveFunction(fnRef('test.record'))(7), 2);
    assert.deepEqual(seen, [[7, null]]);
  });

  void it('refuses an unknown name, listing what is registered', () => {
    registerFunction('test.known', () => 1);
    assert.throws(
      () => resolveFunction(fnRef('test.missing')),
      (err) => hasCode(err, 'PIPELINE_FUNCTION_NOT_PORTABLE') && /test\.missing/.test(err.message) && /test\.known/.test(err.message),
    );
    assert.equal(unregisterFunction('test.known'), true);
    assert.throws(() => resolveFunction(fnRef('test.known')), (err) => hasCode(err, 'PIPELINE_FUNCTION_NOT_PORTABLE'));
  });

  void it('reports what a registered function throws as PIPELINE_FUNCTION_FAILED', (t) => {
    registerFunction('test.fails', () => { throw new Error('boom'); });
    t.after(() => unregisterFunction('test.fails'));
    assert.throws(() => resolveFunction(fnRef('test.fails'))(), (err) => hasCode(err, 'PIPELINE_FUNCTION_FAILED') && /boom/.test(err.message));
  });
});
