import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirepondError, hasCode } from '../errors.ts';
import { FaultRules } from './faults.ts';
import { startPair, waitFor } from './test-kit.ts';

const ping = { text: 'ping', n: 1n, nested: null };

test('a client-side fail fault fails the call without sending it, for the given number of times', async (t) => {
  const faults = new FaultRules().add({ method: 'test.echo', side: 'client', times: 2, action: { kind: 'fail', error: new FirepondError('RPC_CONNECTION_CLOSED', 'injected') } });
  const { stub, server } = await startPair(t, { client: { faults } });
  for (let i = 0; i < 2; i++) await assert.rejects(stub.echo(ping), (err: unknown) => hasCode(err, 'RPC_CONNECTION_CLOSED') && err.message === 'injected');
  assert.equal((await stub.echo(ping)).text, 'ping');
  assert.equal(server.metrics.counter('rpc.server.requests', { method: 'test.echo' }), 1);
  assert.equal(faults.injected, 2);
});

test('a server-side fail fault answers with the error instead of running the handler', async (t) => {
  const faults = new FaultRules().add({ method: 'test.*', side: 'server', times: 1, action: { kind: 'fail', error: new FirepondError('STORAGE_CHAIN_VERSION_MISMATCH', 'stale chain') } });
  const { stub, calls } = await startPair(t, { server: { faults } });
  await assert.rejects(stub.echo(ping), (err: unknown) => hasCode(err, 'STORAGE_CHAIN_VERSION_MISMATCH'));
  assert.deepEqual(calls.seen, []);
  assert.equal((await stub.echo(ping)).text, 'ping');
});

test('dropped requests and dropped replies both end in RPC_TIMEOUT; only the latter ran the handler', async (t) => {
  const faults = new FaultRules()
    .add({ method: 'test.echo', side: 'server', times: 1, action: { kind: 'drop' } })
    .add({ method: 'test.wait', side: 'server', times: 1, action: { kind: 'dropReply' } });
  const { stub, calls, gates, server } = await startPair(t, { server: { faults } });
  gates.open('k');
  await assert.rejects(stub.echo({ ...ping, text: 'lost' }, { timeoutMs: 30 }), (err: unknown) => hasCode(err, 'RPC_TIMEOUT'));
  await assert.rejects(stub.wait({ key: 'k' }, { timeoutMs: 30 }), (err: unknown) => hasCode(err, 'RPC_TIMEOUT'));
  assert.deepEqual(calls.seen, ['wait:k']);
  assert.equal(server.metrics.counter('rpc.server.requests', { status: 'DROPPED' }), 1);
  assert.equal(server.metrics.counter('rpc.server.requests', { status: 'REPLY_DROPPED' }), 1);
  assert.equal((await stub.echo(ping)).text, 'ping');
});

test('client-side drop and dropReply, and delays on both sides', async (t) => {
  const clientFaults = new FaultRules()
    .add({ method: 'test.echo', times: 1, action: { kind: 'drop' } })
    .add({ method: 'test.echo', times: 1, action: { kind: 'dropReply' } })
    .add({ method: 'test.echo', times: 1, action: { kind: 'delay', ms: 5 } });
  const serverFaults = new FaultRules().add({ method: '*', times: 1, action: { kind: 'delay', ms: 5 } });
  const { stub, server, client } = await startPair(t, { client: { faults: clientFaults }, server: { faults: serverFaults } });
  await assert.rejects(stub.echo(ping, { timeoutMs: 30 }), (err: unknown) => hasCode(err, 'RPC_TIMEOUT'));
  assert.equal(server.metrics.counter('rpc.server.requests'), 0, 'the dropped request never left');
  await assert.rejects(stub.echo(ping, { timeoutMs: 200 }), (err: unknown) => hasCode(err, 'RPC_TIMEOUT'));
  await waitFor(() => server.metrics.counter('rpc.server.requests') === 1, 'the request was served, its reply ignored');
  assert.equal((await stub.echo({ ...ping, text: 'delayed' })).text, 'delayed');
  assert.equal(clientFaults.injected, 3);
  assert.equal(serverFaults.injected, 1);
  assert.equal(client.metrics.counter('rpc.client.requests', { status: 'RPC_TIMEOUT' }), 2);
});

test('probabilistic rules use the injected random source', () => {
  const rolls = [0.9, 0.1];
  const rules = new FaultRules(() => rolls.shift() ?? 1).add({ method: 's.m', probability: 0.5, action: { kind: 'drop' } });
  const point = { side: 'client', service: 's', method: 'm', peer: 'p' } as const;
  assert.equal(rules.decide(point), null);
  assert.deepEqual(rules.decide(point), { kind: 'drop' });
  assert.equal(rules.decide({ ...point, method: 'other' }), null);
});
