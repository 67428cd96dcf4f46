import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from './memory-faults.ts';
import { RangeSet } from './range-set.ts';

const k = (s: string): Buffer => Buffer.from(s);

test('adding ranges merges overlapping and touching ones and keeps them sorted', () => {
  const set = new RangeSet();
  set.add(k('e'), k('f'));
  set.add(k('a'), k('c'));
  set.add(k('b'), k('d'));
  set.add(k('d'), k('d')); // empty: ignored
  assert.deepEqual(set.toArray().map((r) => `${r.begin}-${r.end}`), ['a-d', 'e-f']);
  set.add(k('d'), k('e')); // touches both neighbours
  assert.deepEqual(set.toArray().map((r) => `${r.begin}-${r.end}`), ['a-f']);
});

test('contains and intersects agree with a brute-force model on random ranges', () => {
  // Keys of one or two letters from a small alphabet, so every key can be enumerated.
  const alphabet = ['a', 'b', 'c', 'd', 'e'];
  const keys = alphabet.flatMap((x) => [x, ...alphabet.map((y) => x + y)]).sort();
  const random = seededRandom(11);
  const pick = (): string => keys[Math.floor(random() * keys.length)]!;
  for (let round = 0; round < 200; round++) {
    const set = new RangeSet();
    const model = new Set<string>();
    for (let i = 0; i < 1 + Math.floor(random() * 4); i++) {
      const [b, e] = [pick(), pick()].sort();
      set.add(k(b!), k(e!));
      for (const key of keys) if (key >= b! && key < e!) model.add(key);
    }
    for (const key of keys) assert.equal(set.contains(k(key)), model.has(key), `contains ${key}`);
    const [b, e] = [pick(), pick()].sort();
    const expected = keys.some((key) => key >= b! && key < e! && model.has(key));
    assert.equal(set.intersects(k(b!), k(e!)), expected, `intersects ${b}-${e}`);
    assert.equal(set.isEmpty, model.size === 0);
  }
});
