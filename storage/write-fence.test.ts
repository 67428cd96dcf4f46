import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../infra/errors.ts';
import { WriteFence } from './write-fence.ts';

test('a node is fenced before its first answered heartbeat and after half the failure interval without one', () => {
  let now = 1_000;
  const fence = new WriteFence(() => now);
  assert.throws(() => fence.check('a write'), (e) => hasCode(e, 'STORAGE_FENCED') && /has not reached mgmtd yet/.test((e as Error).message));

  fence.renew(1_000, 10_000);
  assert.equal(fence.remainingMs(), 5_000);
  now = 5_999;
  fence.check('a write');
  now = 6_000;
  assert.throws(() => fence.check('a write'), (e) => hasCode(e, 'STORAGE_FENCED') && /for 5000 ms/.test((e as Error).message));

  // A late reply to an older heartbeat does not move contact back; a newer one reopens writes.
  fence.renew(900, 10_000);
  assert.equal(fence.remainingMs(), 0);
  fence.renew(5_500, 10_000);
  assert.equal(fence.remainingMs(), 4_500);
});
