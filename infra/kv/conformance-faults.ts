/**
 * Conformance: transactions that grow too old, commits with unknown results, and injected faults. Engines without
 * a fake clock or fault injection skip these tests with the reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { getInt, keyOf, setInt } from './conformance-helpers.ts';
import type { KvEngineUnderTest } from './conformance-types.ts';
import { seededRandom } from './memory-faults.ts';
import type { Transaction } from './types.ts';

export function registerFaultTests(subject: KvEngineUnderTest): void {
  test('a transaction older than the limit fails with KV_TOO_OLD and is retried fresh', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const advance = f.advanceClock;
    if (advance === null) return t.skip('needs a fake clock: aging a real transaction means waiting 5 s');
    const k = keyOf(f, 'k');
    await f.engine.transact(async (tx) => tx.set(k, Buffer.from('v')));
    const ageOnce = (state: { attempts: number }) => async (tx: Transaction) => {
      state.attempts++;
      await tx.get(k);
      if (state.attempts === 1) advance(6000);
      return (await tx.get(k))?.toString();
    };
    const once = { attempts: 0 };
    await assert.rejects(f.engine.transact(ageOnce(once), { maxRetries: 0 }), (err) => hasCode(err, 'KV_TOO_OLD'));
    assert.equal(once.attempts, 1);
    const retried = { attempts: 0 };
    assert.equal(await f.engine.transact(ageOnce(retried)), 'v');
    assert.equal(retried.attempts, 2);
    // Too old at commit time, with no read after aging, fails the same way and writes nothing.
    await assert.rejects(f.engine.transact(async (tx) => {
      await tx.get(k);
      advance(6000);
      tx.set(k, Buffer.from('late'));
    }, { maxRetries: 0 }), (err) => hasCode(err, 'KV_TOO_OLD'));
    assert.equal((await f.engine.transact((tx) => tx.get(k)))?.toString(), 'v');
  });

  test('an unknown commit result is thrown, and retried only for idempotent transactions', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const faults = f.faults;
    if (faults === null) return t.skip('needs fault injection to produce unknown commit results');
    const counter = keyOf(f, 'counter');
    faults.set({ commitUnknownProbability: 1, random: seededRandom(7) });
    let calls = 0;
    await assert.rejects(f.engine.transact(async (tx) => {
      calls++;
      setInt(tx, counter, (await getInt(tx, counter)) + 1n);
    }), (err) => hasCode(err, 'KV_COMMIT_UNKNOWN'));
    assert.equal(calls, 1);
    faults.set(null);
    await f.engine.transact(async (tx) => tx.clear(counter));

    // The 3FS pattern: an idempotency record written in the same transaction makes a retry after an applied
    // commit return the recorded result instead of applying the operation twice.
    faults.set({ commitUnknownProbability: 0.5, random: seededRandom(42) });
    const requests = 20;
    const results: bigint[] = [];
    for (let id = 0; id < requests; id++) {
      const record = keyOf(f, `idem/${id}`);
      results.push(await f.engine.transact(async (tx) => {
        const done = await tx.get(record);
        if (done !== null) return done.readBigInt64LE(0);
        const next = (await getInt(tx, counter)) + 1n;
        setInt(tx, counter, next);
        setInt(tx, record, next);
        return next;
      }, { idempotent: true, maxRetries: 50, initialBackoffMs: 1, maxBackoffMs: 2 }));
    }
    faults.set(null);
    assert.ok(faults.counts.commitUnknownApplied > 0, 'some unknown commits were applied');
    assert.ok(faults.counts.commitUnknownDropped > 0, 'some unknown commits were dropped');
    assert.deepEqual(results, Array.from({ length: requests }, (_, i) => BigInt(i + 1)));
    assert.equal(await f.engine.transact((tx) => getInt(tx, counter)), BigInt(requests));
  });

  test('under injected conflicts, delays and too-old reads, concurrent increments all land once', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const faults = f.faults;
    if (faults === null) return t.skip('needs fault injection');
    const counter = keyOf(f, 'counter');
    faults.set({ conflictProbability: 0.2, tooOldProbability: 0.05, maxDelayMs: 2, random: seededRandom(3) });
    const n = 30;
    await Promise.all(Array.from({ length: n }, () => f.engine.transact(async (tx) => {
      setInt(tx, counter, (await getInt(tx, counter)) + 1n);
    }, { maxRetries: 100, initialBackoffMs: 1, maxBackoffMs: 5 })));
    faults.set(null);
    assert.ok(faults.counts.conflicts > 0 && faults.counts.tooOld > 0, JSON.stringify(faults.counts));
    assert.equal(await f.engine.transact((tx) => getInt(tx, counter)), BigInt(n));
  });
}
