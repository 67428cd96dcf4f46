import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { MemoryStore } from './memory-store.ts';
import { RangeSet } from './range-set.ts';

const k = (s: string): Buffer => Buffer.from(s);
const set = (key: string, value: string) => ({ type: 'set', key: k(key), value: k(value) }) as const;
const none = new RangeSet();

test('snapshots read the version they were taken at', () => {
  const store = new MemoryStore(1000);
  store.apply([set('a', '1'), set('b', '1')], none, 0);
  store.apply([set('a', '2'), { type: 'clear', key: k('b') }], none, 1);
  assert.equal(store.read(k('a'), 1n)?.toString(), '1');
  assert.equal(store.read(k('a'), 2n)?.toString(), '2');
  assert.deepEqual([...store.range(k('a'), k('z'), 'forward', 1n)].map((e) => `${e.key}=${e.value}`), ['a=1', 'b=1']);
  assert.deepEqual([...store.range(k('a'), k('z'), 'forward', 2n)].map((e) => `${e.key}=${e.value}`), ['a=2']);
});

test('history past the retention is dropped; reads and validation before it fail with KV_TOO_OLD', () => {
  const store = new MemoryStore(1000);
  store.apply([set('a', '1')], none, 0); // v1
  store.apply([set('a', '2')], none, 10); // v2
  store.apply([set('b', '1')], none, 2000); // v3, drops v1 and v2 from the log
  assert.throws(() => store.read(k('a'), 1n), (err) => hasCode(err, 'KV_TOO_OLD'));
  const reads = new RangeSet();
  reads.add(k('a'), k('b'));
  assert.throws(() => store.validate(1n, reads), (err) => hasCode(err, 'KV_TOO_OLD'));
  // From the pruned version on, everything still reads right and validates.
  assert.equal(store.read(k('a'), 2n)?.toString(), '2');
  assert.equal(store.read(k('a'), 3n)?.toString(), '2');
  store.validate(2n, reads);
  const writtenB = new RangeSet();
  writtenB.add(k('b'), k('c'));
  assert.throws(() => store.validate(2n, writtenB), (err) => hasCode(err, 'KV_CONFLICT'));
});
