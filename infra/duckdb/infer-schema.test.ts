import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { inferSchema } from './infer-schema.ts';

test('each kind of value maps to its documented type', () => {
  const schema = inferSchema([
    { int: 1, float: 1.5, big: 2n ** 40n, huge: 2n ** 64n, text: 'a', flag: true, when: new Date(0), bytes: new Uint8Array([1]), list: [1], obj: { a: 1 }, nothing: null },
  ]);
  assert.deepEqual(schema, {
    int: 'BIGINT', float: 'DOUBLE', big: 'BIGINT', huge: 'HUGEINT', text: 'VARCHAR', flag: 'BOOLEAN', when: 'TIMESTAMP',
    bytes: 'BLOB', list: 'VARCHAR', obj: 'VARCHAR', nothing: 'VARCHAR',
  });
});

test('columns are the union of keys in first-seen order', () => {
  const schema = inferSchema([{ b: 1 }, { a: 'x', b: 2 }, { c: true }, { a: undefined, d: null }]);
  assert.deepEqual(Object.entries(schema), [['b', 'BIGINT'], ['a', 'VARCHAR'], ['c', 'BOOLEAN'], ['d', 'VARCHAR']]);
});

test('numbers widen: any fraction makes DOUBLE, integers beyond int64 make HUGEINT or DOUBLE', () => {
  assert.deepEqual(inferSchema([{ x: 1 }, { x: 2.5 }, { x: 3n }]), { x: 'DOUBLE' });
  assert.deepEqual(inferSchema([{ x: 1 }, { x: -(2n ** 63n) - 1n }]), { x: 'HUGEINT' });
  assert.deepEqual(inferSchema([{ x: 2 ** 63 }]), { x: 'DOUBLE' });
  assert.deepEqual(inferSchema([{ x: Number.NaN }]), { x: 'DOUBLE' });
  assert.deepEqual(inferSchema([{ x: 2 ** 62 }, { x: 2n ** 63n - 1n }]), { x: 'BIGINT' });
});

test('mixed kinds are refused with both rows named', () => {
  assert.throws(
    () => inferSchema([{ x: 1 }, { x: null }, { x: 'two' }]),
    (err) => hasCode(err, 'INVALID_ARGUMENT') && err.message === 'cannot infer a type for column "x": row 2 holds "two" (string) but row 0 holds 1 (number); pass a schema',
  );
  assert.throws(() => inferSchema([{ x: 'a' }, { x: ['a'] }]), (err) => hasCode(err, 'INVALID_ARGUMENT') && /row 1 holds \["a"\] \(json\)/.test(err.message));
  assert.throws(() => inferSchema([{ x: new Map() }]), (err) => hasCode(err, 'INVALID_ARGUMENT') && /has no column type/.test(err.message));
});

test('zero rows cannot be inferred', () => {
  assert.throws(() => inferSchema([]), (err) => hasCode(err, 'INVALID_ARGUMENT') && /zero rows/.test(err.message));
});
