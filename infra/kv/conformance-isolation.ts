/**
 * Conformance: serializable isolation. Each test forces one interleaving of concurrent transactions with latches:
 * the first transaction reads, a second one commits, then the first tries to commit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { getInt, keyOf, latch, setInt } from './conformance-helpers.ts';
import type { KvFixture, KvEngineUnderTest } from './conformance-types.ts';
import type { Transaction } from './types.ts';

/**
 * Runs `first` so that its first attempt stops after `read`, lets `second` commit in between, then lets the first
 * attempt continue to `write` and commit. Returns how many attempts `first` needed.
 */
async function interleave(
  f: KvFixture,
  first: { read(tx: Transaction): Promise<void>; write(tx: Transaction): Promise<void> },
  second: (tx: Transaction) => Promise<void>,
  opts: { maxRetries?: number } = {},
): Promise<number> {
  let attempts = 0;
  const firstHasRead = latch();
  const secondDone = latch();
  const running = f.engine.transact(async (tx) => {
    attempts++;
    await first.read(tx);
    if (attempts === 1) {
      firstHasRead.open();
      await secondDone.promise;
    }
    await first.write(tx);
  }, opts);
  await firstHasRead.promise;
  await f.engine.transact(second);
  secondDone.open();
  await running;
  return attempts;
}

export function registerIsolationTests(subject: KvEngineUnderTest): void {
  test('read-modify-write races: the loser conflicts and retries, no update is lost', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const k = keyOf(f, 'counter');
    const increment = async (tx: Transaction) => setInt(tx, k, (await getInt(tx, k)) + 1n);
    let seen = 0n;
    const attempts = await interleave(f, {
      read: async (tx) => {
        seen = await getInt(tx, k);
      },
      write: async (tx) => setInt(tx, k, seen + 1n),
    }, increment);
    assert.equal(attempts, 2);
    assert.equal(await f.engine.transact((tx) => getInt(tx, k)), 2n);
  });

  test('without retries the conflict surfaces as KV_CONFLICT and nothing is written', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const k = keyOf(f, 'k');
    const other = keyOf(f, 'other');
    await assert.rejects(
      interleave(f, {
        read: async (tx) => void (await tx.get(k)),
        write: async (tx) => tx.set(other, Buffer.from('first')),
      }, async (tx) => tx.set(k, Buffer.from('second')), { maxRetries: 0 }),
      (err) => hasCode(err, 'KV_CONFLICT'),
    );
    assert.equal(await f.engine.transact((tx) => tx.get(other)), null);
  });

  test('snapshot reads add no conflicts', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const k = keyOf(f, 'k');
    const attempts = await interleave(f, {
      read: async (tx) => {
        await tx.snapshotGet(k);
        await tx.getRange(f.prefix, keyOf(f, 'z'), { snapshot: true });
      },
      write: async (tx) => tx.set(keyOf(f, 'mine'), Buffer.from('1')),
    }, async (tx) => tx.set(k, Buffer.from('theirs')));
    assert.equal(attempts, 1);
  });

  test('write skew is prevented: two transactions reading both keys cannot both write', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    // Two doctors on call; each may leave only if the other stays. Snapshot isolation would let both leave.
    const x = keyOf(f, 'on-call/x');
    const y = keyOf(f, 'on-call/y');
    await f.engine.transact(async (tx) => {
      setInt(tx, x, 1n);
      setInt(tx, y, 1n);
    });
    const leaveIfCovered = (me: Buffer) => async (tx: Transaction) => {
      if ((await getInt(tx, x)) + (await getInt(tx, y)) >= 2n) setInt(tx, me, 0n);
    };
    let covered = 0n;
    const attempts = await interleave(f, {
      read: async (tx) => {
        covered = (await getInt(tx, x)) + (await getInt(tx, y));
      },
      write: async (tx) => {
        if (covered >= 2n) setInt(tx, x, 0n);
      },
    }, leaveIfCovered(y));
    assert.equal(attempts, 2);
    const total = await f.engine.transact(async (tx) => (await getInt(tx, x)) + (await getInt(tx, y)));
    assert.equal(total, 1n);
  });

  test('a range read conflicts with an insert into the range (no phantoms)', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const dir = keyOf(f, 'dir/');
    const dirEnd = keyOf(f, 'dir0');
    let count = 0;
    const attempts = await interleave(f, {
      read: async (tx) => {
        count = (await tx.getRange(dir, dirEnd)).length;
      },
      write: async (tx) => setInt(tx, keyOf(f, 'count'), BigInt(count)),
    }, async (tx) => tx.set(keyOf(f, 'dir/new'), Buffer.from('1')));
    assert.equal(attempts, 2);
    assert.equal(await f.engine.transact((tx) => getInt(tx, keyOf(f, 'count'))), 1n);
  });

  test('a limited range read only conflicts on the part it returned', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    await f.engine.transact(async (tx) => {
      for (const n of ['a', 'b', 'c']) tx.set(keyOf(f, `r/${n}`), Buffer.from(n));
    });
    const readFirstTwo = async (tx: Transaction) => void (await tx.getRange(keyOf(f, 'r/'), keyOf(f, 'r0'), { limit: 2 }));
    const write = async (tx: Transaction) => tx.set(keyOf(f, 'mine'), Buffer.from('1'));
    // A write past the last key returned ('r/b') does not conflict...
    assert.equal(await interleave(f, { read: readFirstTwo, write }, async (tx) => tx.set(keyOf(f, 'r/c'), Buffer.from('C'))), 1);
    // ...one inside it does.
    assert.equal(await interleave(f, { read: readFirstTwo, write }, async (tx) => tx.set(keyOf(f, 'r/b'), Buffer.from('B'))), 2);
  });

  test('explicit read and write conflict keys take part in conflict checks', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const lock = keyOf(f, 'lock');
    const write = async (tx: Transaction) => tx.set(keyOf(f, 'mine'), Buffer.from('1'));
    // A read conflict on a key never read, against a plain write of it.
    const declaredRead = async (tx: Transaction) => {
      await tx.getReadVersion();
      tx.addReadConflictKey(lock);
    };
    assert.equal(await interleave(f, { read: declaredRead, write }, async (tx) => tx.set(lock, Buffer.from('x'))), 2);
    // A real read, against a write conflict declared without writing the key.
    const realRead = async (tx: Transaction) => void (await tx.get(lock));
    const declaredWrite = async (tx: Transaction) => {
      tx.addWriteConflictKey(lock);
      tx.set(keyOf(f, 'elsewhere'), Buffer.from('y'));
    };
    assert.equal(await interleave(f, { read: realRead, write }, declaredWrite), 2);
    assert.equal((await f.engine.transact((tx) => tx.get(lock)))?.toString(), 'x');
  });

  test('concurrent atomic adds commute without conflicts', async (t) => {
    const f = await subject.open();
    t.after(() => f.close());
    const k = keyOf(f, 'total');
    const n = 8;
    let attempts = 0;
    let arrived = 0;
    const allRead = latch();
    await Promise.all(Array.from({ length: n }, (_, i) => f.engine.transact(async (tx) => {
      attempts++;
      // Every transaction has read (fixing its read version) before any of them commits.
      await tx.get(keyOf(f, 'unrelated'));
      if (++arrived === n) allRead.open();
      await allRead.promise;
      tx.atomicAdd(k, BigInt(i + 1));
    })));
    assert.equal(attempts, n);
    assert.equal(await f.engine.transact((tx) => getInt(tx, k)), BigInt((n * (n + 1)) / 2));
  });
}
