/**
 * Conformance: random reads and writes inside one transaction, checked step by step against a plain sorted-map
 * model, then after commit. This exercises read-your-writes merging (sets, clears, cleared ranges, adds onto stored
 * values) with every range option.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addLittleEndian, encodeInt64LE } from './atomic-add.ts';
import { keyOf, prefixEnd } from './conformance-helpers.ts';
import type { KvEngineUnderTest, KvFixture } from './conformance-types.ts';
import { seededRandom } from './memory-faults.ts';
import type { KeyValue } from './types.ts';

const ALPHABET = ['a', 'b', 'c', 'd', 'e'];
const NAMES = ALPHABET.flatMap((x) => [x, ...ALPHABET.map((y) => x + y)]);

type Model = Map<string, Buffer>;

function modelRange(model: Model, begin: string, end: string, limit: number, reverse: boolean): string[] {
  const keys = [...model.keys()].filter((n) => n >= begin && n < end).sort();
  if (reverse) keys.reverse();
  return (limit > 0 ? keys.slice(0, limit) : keys).map((n) => `${n}=${model.get(n)!.toString('hex')}`);
}

function shown(f: KvFixture, pairs: readonly KeyValue[]): string[] {
  return pairs.map((p) => `${p.key.subarray(f.prefix.length).toString()}=${p.value.toString('hex')}`);
}

export function registerModelTests(subject: KvEngineUnderTest): void {
  test('random reads and writes in a transaction match a sorted-map model', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    for (const seed of [1, 2, 3]) {
      const random = seededRandom(seed);
      const pick = (): string => NAMES[Math.floor(random() * NAMES.length)]!;
      const bytes = (): Buffer => Buffer.from(Array.from({ length: 1 + Math.floor(random() * 3) }, () => Math.floor(random() * 256)));
      const model: Model = new Map();
      await f.engine.transact(async (tx) => {
        tx.clearRange(f.prefix, prefixEnd(f));
        for (const name of NAMES) {
          if (random() < 0.5) continue;
          const value = bytes();
          tx.set(keyOf(f, name), value);
          model.set(name, value);
        }
      });
      await f.engine.transact(async (tx) => {
        for (let step = 0; step < 80; step++) {
          const op = Math.floor(random() * 7);
          const name = pick();
          const [b, e] = [pick(), pick()].sort() as [string, string];
          const where = `seed ${seed} step ${step}`;
          if (op === 0) {
            const value = bytes();
            tx.set(keyOf(f, name), value);
            model.set(name, value);
          } else if (op === 1) {
            tx.clear(keyOf(f, name));
            model.delete(name);
          } else if (op === 2) {
            tx.clearRange(keyOf(f, b), keyOf(f, e));
            for (const n of [...model.keys()]) if (n >= b && n < e) model.delete(n);
          } else if (op === 3) {
            const delta = BigInt(Math.floor(random() * 1000) - 500);
            tx.atomicAdd(keyOf(f, name), delta);
            model.set(name, addLittleEndian(model.get(name) ?? null, encodeInt64LE(delta)));
          } else if (op === 4) {
            const got = random() < 0.5 ? await tx.get(keyOf(f, name)) : await tx.snapshotGet(keyOf(f, name));
            assert.equal(got?.toString('hex'), model.get(name)?.toString('hex'), `${where}: get ${name}`);
          } else {
            const limit = Math.floor(random() * 4);
            const reverse = random() < 0.5;
            const got = await tx.getRange(keyOf(f, b), keyOf(f, e), { limit, reverse, snapshot: random() < 0.3 });
            assert.deepEqual(shown(f, got), modelRange(model, b, e, limit, reverse), `${where}: range ${b}-${e} ${limit} ${reverse}`);
          }
        }
      });
      const stored = await f.engine.transact((tx) => tx.getRange(f.prefix, prefixEnd(f)));
      assert.deepEqual(shown(f, stored), modelRange(model, '', '\u00ff', 0, false), `seed ${seed}: after commit`);
    }
  });
}
