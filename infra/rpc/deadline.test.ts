import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { startPair, waitFor } from './test-kit.ts';

test('a call past its deadline fails with RPC_TIMEOUT and its late reply is dropped', async (t) => {
  const { stub, client, gates } = await startPair(t);
  await assert.rejects(stub.wait({ key: 'slow' }, { timeoutMs: 30 }), (err: unknown) => hasCode(err, 'RPC_TIMEOUT') && err.retryable);
  assert.equal(gates.count('slow'), 1, 'the handler is still running');
  gates.open('slow');
  await waitFor(() => client.metrics.counter('rpc.client.late_replies') === 1, 'the late reply arrived and was dropped');
  // The connection is unharmed and its slot was freed.
  assert.equal((await stub.echo({ text: 'after', n: 0n, nested: null })).text, 'after');
  const stats = Object.values(client.stats())[0]!;
  assert.equal(stats.inFlight, 0);
  assert.equal(stats.connections, 1);
  assert.equal(client.metrics.counter('rpc.client.requests', { method: 'test.wait', status: 'RPC_TIMEOUT' }), 1);
});

test('the handler sees the caller deadline; without one it sees null', async (t) => {
  const { stub, gates } = await startPair(t);
  gates.open('k');
  const before = Date.now();
  const withDeadline = await stub.wait({ key: 'k' }, { timeoutMs: 60_000 });
  assert.ok(withDeadline.deadline !== null && withDeadline.deadline >= before && withDeadline.deadline <= Date.now() + 60_000);
  assert.equal((await stub.wait({ key: 'k' }, { timeoutMs: null })).deadline, null);
});

test('a call that times out while waiting for a slot is never sent', async (t) => {
  const { stub, client, gates, calls } = await startPair(t, { client: { maxInFlightPerConnection: 1 } });
  const first = stub.wait({ key: 'hold' });
  await waitFor(() => gates.count('hold') === 1, 'first call running');
  await assert.rejects(stub.wait({ key: 'never-sent' }, { timeoutMs: 20 }), (err: unknown) => hasCode(err, 'RPC_TIMEOUT'));
  assert.equal(Object.values(client.stats())[0]!.waiting, 0);
  gates.open('hold');
  await first;
  assert.equal((await stub.echo({ text: 'x', n: 0n, nested: null })).text, 'x');
  assert.ok(!calls.seen.includes('wait:never-sent'));
});
