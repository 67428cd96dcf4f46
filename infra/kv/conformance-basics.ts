/** Conformance: reads, writes, ranges, read-your-writes, atomic add, versionstamps, limits. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { decodeInt64LE, encodeInt64LE } from './atomic-add.ts';
import { getInt, keyOf, names, prefixEnd, text } from './conformance-helpers.ts';
import type { KvEngineUnderTest } from './conformance-types.ts';
import { VERSIONSTAMP_BYTES } from './types.ts';

export function registerBasicTests(subject: KvEngineUnderTest): void {
  test('get, set, clear and clearRange are visible to later transactions', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const k = (n: string) => keyOf(f, n);
    await f.engine.transact(async (tx) => {
      for (const n of ['a', 'b', 'c1', 'c2', 'd']) tx.set(k(n), Buffer.from(`v-${n}`));
    });
    await f.engine.transact(async (tx) => {
      tx.clear(k('b'));
      tx.clearRange(k('c'), k('d'));
    });
    const got = await f.engine.transact(async (tx) =>
      Promise.all(['a', 'b', 'c1', 'c2', 'd', 'missing'].map(async (n) => text(await tx.get(k(n))))),
    );
    assert.deepEqual(got, ['v-a', null, null, null, 'v-d', null]);
    // Overwrites replace; values come back byte for byte.
    const bytes = Buffer.from([0, 1, 2, 255, 0]);
    await f.engine.transact(async (tx) => tx.set(k('a'), bytes));
    assert.deepEqual([...((await f.engine.transact((tx) => tx.get(k('a')))) ?? [])], [...bytes]);
  });

  test('ranges come back in bytewise key order, honouring begin, end, limit and reverse', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const all = ['b', 'a', 'ab', 'a\u0000', 'B', '~', 'aa', 'c'];
    await f.engine.transact(async (tx) => {
      for (const n of all) tx.set(keyOf(f, n), Buffer.from(n));
      // A key just past the prefix's range must never show up.
      tx.set(prefixEnd(f), Buffer.from('outside'));
    });
    const sorted = ['B', 'a', 'a\u0000', 'aa', 'ab', 'b', 'c', '~'];
    await f.engine.transact(async (tx) => {
      const range = (begin: string, end: string, opts = {}) => tx.getRange(keyOf(f, begin), keyOf(f, end), opts);
      assert.deepEqual(names(f, await tx.getRange(f.prefix, prefixEnd(f))), sorted);
      assert.deepEqual(names(f, await range('a', 'b')), ['a', 'a\u0000', 'aa', 'ab']);
      assert.deepEqual(names(f, await range('a', 'b', { limit: 2 })), ['a', 'a\u0000']);
      assert.deepEqual(names(f, await range('a', 'b', { reverse: true })), ['ab', 'aa', 'a\u0000', 'a']);
      assert.deepEqual(names(f, await range('a', 'c', { reverse: true, limit: 2 })), ['b', 'ab']);
      assert.deepEqual(names(f, await range('b', 'b')), []);
      assert.deepEqual(names(f, await range('c', 'b')), []);
      const [first] = await range('c', 'd');
      assert.equal(first?.value.toString(), 'c');
    });
  });

  test('reads inside a transaction see its own writes, merged with stored data', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const k = (n: string) => keyOf(f, n);
    await f.engine.transact(async (tx) => {
      for (const n of ['a', 'b', 'c', 'd', 'e']) tx.set(k(n), Buffer.from(`old-${n}`));
      tx.set(k('n'), encodeInt64LE(40n));
    });
    await f.engine.transact(async (tx) => {
      tx.set(k('a'), Buffer.from('new-a'));
      tx.clear(k('b'));
      tx.clearRange(k('c'), k('e'));
      tx.set(k('d'), Buffer.from('new-d'));
      tx.set(k('bb'), Buffer.from('new-bb'));
      tx.atomicAdd(k('n'), 2n);
      tx.atomicAdd(k('fresh'), -5n);
      assert.equal(text(await tx.get(k('a'))), 'new-a');
      assert.equal(await tx.get(k('b')), null);
      assert.equal(await tx.get(k('c')), null);
      assert.equal(text(await tx.snapshotGet(k('d'))), 'new-d');
      assert.equal(decodeInt64LE(await tx.get(k('n'))), 42n);
      assert.equal(decodeInt64LE(await tx.get(k('fresh'))), -5n);
      const range = await tx.getRange(k('a'), k('f'));
      assert.deepEqual(names(f, range), ['a', 'bb', 'd', 'e']);
      assert.deepEqual(range.map((kv) => kv.value.toString()), ['new-a', 'new-bb', 'new-d', 'old-e']);
      assert.deepEqual(names(f, await tx.getRange(k('a'), k('f'), { reverse: true, limit: 3 })), ['e', 'd', 'bb']);
    });
    // And it all committed as read.
    await f.engine.transact(async (tx) => {
      assert.deepEqual(names(f, await tx.getRange(k('a'), k('f'))), ['a', 'bb', 'd', 'e']);
      assert.equal(await getInt(tx, k('n')), 42n);
    });
  });

  test('atomic add is little-endian 64-bit and wraps', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const k = keyOf(f, 'n');
    await f.engine.transact(async (tx) => tx.atomicAdd(k, -1n));
    const raw = await f.engine.transact((tx) => tx.get(k));
    assert.equal(raw?.toString('hex'), 'ffffffffffffffff');
    await f.engine.transact(async (tx) => tx.atomicAdd(k, 0x101n));
    assert.equal((await f.engine.transact((tx) => tx.get(k)))?.toString('hex'), '0001000000000000');
    // A shorter stored value is zero-extended before the add.
    await f.engine.transact(async (tx) => tx.set(k, Buffer.from([7])));
    await f.engine.transact(async (tx) => tx.atomicAdd(k, 1n));
    assert.equal(await f.engine.transact((tx) => getInt(tx, k)), 8n);
  });

  test('versionstamps are unique, increase with commit order, and fill keys and values', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const dir = keyOf(f, 'log/');
    const placeholder = Buffer.alloc(VERSIONSTAMP_BYTES, 0xee);
    const stamps: Buffer[] = [];
    for (const entry of ['one', 'two', 'three']) {
      const { promise } = await f.engine.transact(async (tx) => {
        tx.setVersionstampedKey(Buffer.concat([dir, placeholder, Buffer.from('!')]), dir.length, Buffer.from(entry));
        tx.setVersionstampedValue(keyOf(f, `last-${entry}`), Buffer.concat([Buffer.from('at:'), placeholder]), 3);
        return tx.getVersionstamp();
      });
      stamps.push(await promise);
    }
    for (const s of stamps) assert.equal(s.length, VERSIONSTAMP_BYTES);
    assert.ok(Buffer.compare(stamps[0]!, stamps[1]!) < 0 && Buffer.compare(stamps[1]!, stamps[2]!) < 0);
    const rows = await f.engine.transact((tx) => tx.getRange(dir, Buffer.concat([dir, Buffer.from([0xff])])));
    assert.deepEqual(rows.map((r) => r.value.toString()), ['one', 'two', 'three']);
    assert.deepEqual(
      rows.map((r) => r.key.toString('hex')),
      stamps.map((s) => Buffer.concat([dir, s, Buffer.from('!')]).toString('hex')),
    );
    const value = await f.engine.transact((tx) => tx.get(keyOf(f, 'last-two')));
    assert.equal(value?.toString('hex'), Buffer.concat([Buffer.from('at:'), stamps[1]!]).toString('hex'));
    // A transaction that wrote nothing has no versionstamp.
    const { promise } = await f.engine.transact(async (tx) => {
      await tx.get(keyOf(f, 'x'));
      return tx.getVersionstamp();
    });
    await assert.rejects(promise);
  });

  test('read versions grow with commits', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const before = await f.engine.transact((tx) => tx.getReadVersion());
    await f.engine.transact(async (tx) => tx.set(keyOf(f, 'a'), Buffer.from('1')));
    const after = await f.engine.transact((tx) => tx.getReadVersion());
    assert.ok(after > before, `${after} > ${before}`);
  });

  test('bad keys and values are refused with typed errors', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const refuse = (code: 'INVALID_ARGUMENT' | 'KV_TOO_LARGE', write: Parameters<typeof f.engine.transact>[0]) =>
      assert.rejects(f.engine.transact(write), (err) => hasCode(err, code));
    await refuse('INVALID_ARGUMENT', async (tx) => tx.set(Buffer.alloc(0), Buffer.from('x')));
    await refuse('INVALID_ARGUMENT', async (tx) => tx.set(Buffer.from([0xff, 1]), Buffer.from('x')));
    await refuse('KV_TOO_LARGE', async (tx) => tx.set(Buffer.alloc(1025, 1), Buffer.from('x')));
    await refuse('KV_TOO_LARGE', async (tx) => tx.set(keyOf(f, 'v'), Buffer.alloc(100_001)));
    await refuse('INVALID_ARGUMENT', async (tx) => tx.setVersionstampedKey(keyOf(f, 'short'), 0, Buffer.from('x')));
    // Nothing of the refused transactions was written.
    assert.deepEqual(await f.engine.transact((tx) => tx.getRange(f.prefix, prefixEnd(f))), []);
  });
}
