import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../infra/errors.ts';
import { cid, CrashSwitch, KiB, openEngine, payload, writeOf } from './test-kit.ts';

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
}

test('STORAGE_NO_SPACE when a version would push slots past the configured capacity; freed space is usable again', async (t) => {
  const engine = await openEngine(t, { capacityBytes: 3 * 4 * KiB });
  const [a, b, c] = [cid(50, 0), cid(50, 1), cid(50, 2)];
  for (const id of [a, b]) {
    await engine.write(id, writeOf(0, payload(1, 1000), 1));
    await engine.commit(id, { updateVer: 1 });
  }
  // An update needs a second slot until it commits: one fits, a second does not.
  await engine.write(a, writeOf(0, payload(2, 1000), 2));
  await assert.rejects(engine.write(b, writeOf(0, payload(3, 1000), 2)), (err) => {
    assert.ok(hasCode(err, 'STORAGE_NO_SPACE'));
    assert.deepEqual(err.context, { capacityBytes: 12 * KiB, usedBytes: 12 * KiB, slotBytes: 4 * KiB });
    return true;
  });
  await assert.rejects(engine.write(c, writeOf(0, payload(4, 20 * KiB), 1)), (err) => hasCode(err, 'STORAGE_NO_SPACE'));
  assert.equal(engine.stat(b)?.pending, null);
  assert.deepEqual(engine.spaceInfo(), { capacityBytes: 12 * KiB, usedBytes: 12 * KiB, fileBytes: 64 * KiB });

  await engine.commit(a, { updateVer: 2 });
  await engine.write(b, writeOf(0, payload(3, 1000), 2));
  await engine.commit(b, { updateVer: 2 });
  assert.equal(engine.spaceInfo().usedBytes, 8 * KiB);
});

test('a full disk during a slot write is STORAGE_NO_SPACE naming the file, and the chunk and space are unchanged', async (t) => {
  const faults = new CrashSwitch();
  const engine = await openEngine(t, { faults });
  const id = cid(51, 0);
  await engine.write(id, writeOf(0, payload(1, 1000), 1));
  await engine.commit(id, { updateVer: 1 });

  faults.arm('write', 'slot-write', enospc());
  await assert.rejects(engine.write(id, writeOf(0, payload(2, 1000), 2)), (err) => {
    assert.ok(hasCode(err, 'STORAGE_NO_SPACE'));
    assert.match(String(err.context['path']), /data\/4K\.000$/);
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOSPC');
    return true;
  });
  assert.equal(engine.stat(id)?.pending, null);
  assert.equal(engine.spaceInfo().usedBytes, 4 * KiB);
  const retry = await engine.write(id, writeOf(0, payload(2, 1000), 2));
  assert.equal(retry.outcome, 'PENDING', 'writes work again once space is back');
});

test('a full disk while growing a data file is STORAGE_NO_SPACE and the class can grow later', async (t) => {
  const faults = new CrashSwitch();
  const engine = await openEngine(t, { faults });
  const id = cid(52, 0);
  faults.arm('grow', 'file-grow', enospc());
  await assert.rejects(engine.write(id, writeOf(0, payload(1, 100), 1)), (err) => hasCode(err, 'STORAGE_NO_SPACE'));
  assert.deepEqual(engine.spaceInfo(), { capacityBytes: null, usedBytes: 0, fileBytes: 0 });
  await engine.write(id, writeOf(0, payload(1, 100), 1));
  assert.equal(engine.spaceInfo().fileBytes, 64 * KiB);
});
