import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InflightUpdates } from './inflight-updates.ts';

test('drained waits for the updates admitted below a chain version, and only those', async () => {
  const inflight = new InflightUpdates();
  const old1 = inflight.enter(7, 3);
  const old2 = inflight.enter(7, 4);
  const current = inflight.enter(7, 5);
  const other = inflight.enter(8, 1);
  let done = false;
  const waiting = inflight.drained(7, 5).then(() => (done = true));
  old1();
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'version 4 still runs');
  old2();
  await waiting;
  assert.equal(done, true, 'versions 5 (current) and chain 8 do not count');
  await inflight.drained(7, 5);
  current();
  other();
  await inflight.drained(8, 100);
});
