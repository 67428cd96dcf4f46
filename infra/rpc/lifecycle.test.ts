import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { RpcClient } from './client.ts';
import { RpcServer } from './server.ts';
import { createStub } from './stub.ts';
import { captureLogger, Gates, SECRET, startPair, TestService, testHandlers, waitFor } from './test-kit.ts';

const ping = { text: 'ping', n: 1n, nested: null };

test('server close stops accepting, lets a running call finish and reply, then closes its sockets', async (t) => {
  const { server, stub, gates, client } = await startPair(t);
  const running = stub.wait({ key: 'finish-me' });
  await waitFor(() => gates.count('finish-me') === 1, 'handler running');
  const closing = server.close();
  assert.equal(server.close(), closing, 'idempotent');
  await waitFor(() => server.connectionStats()[0]?.state === 'draining', 'connection draining');
  gates.open('finish-me');
  assert.equal((await running).key, 'finish-me');
  await closing;
  assert.equal(server.connectionStats().length, 0);
  await waitFor(() => Object.values(client.stats())[0]!.connections === 0, 'client saw the close');
  await assert.rejects(stub.echo(ping), (err: unknown) => hasCode(err, 'SERVER_UNAVAILABLE') && err.retryable);
});

test('server close past its grace fails running calls with RPC_CONNECTION_CLOSED and aborts their handlers', async (t) => {
  const gates = new Gates();
  const server = await RpcServer.create({ secret: SECRET, logger: captureLogger(), closeGraceMs: 10 });
  t.after(() => server.close());
  let aborted: unknown = null;
  server.register(TestService, {
    ...testHandlers(gates),
    wait: async (req, ctx) => {
      ctx.signal.addEventListener('abort', () => (aborted = ctx.signal.reason));
      await gates.wait(req.key);
      return { key: req.key, deadline: null };
    },
  });
  const client = RpcClient.create({ secret: SECRET, logger: captureLogger() });
  t.after(() => client.close());
  const stub = createStub(client, TestService, server.address);
  const stuck = stub.wait({ key: 'never' });
  await waitFor(() => gates.count('never') === 1, 'handler running');
  await server.close();
  await assert.rejects(stuck, (err: unknown) => hasCode(err, 'RPC_CONNECTION_CLOSED') && err.retryable);
  assert.ok(hasCode(aborted, 'RPC_CONNECTION_CLOSED'));
});

test('client close rejects pending and waiting calls with RPC_CONNECTION_CLOSED; later calls too', async (t) => {
  const { stub, client, gates } = await startPair(t, { client: { maxInFlightPerConnection: 2 } });
  await stub.echo(ping);
  const calls = Array.from({ length: 5 }, (_, i) => stub.wait({ key: `pending-${i}` }));
  await waitFor(() => gates.count('pending-0') + gates.count('pending-1') === 2, 'two in flight');
  assert.equal(Object.values(client.stats())[0]!.waiting, 3);
  await client.close();
  await client.close();
  for (const call of calls) await assert.rejects(call, (err: unknown) => hasCode(err, 'RPC_CONNECTION_CLOSED'));
  await assert.rejects(stub.echo(ping), (err: unknown) => hasCode(err, 'RPC_CONNECTION_CLOSED'));
});

test('a client reconnects to a server restarted on the same port; calls cut off by the restart fail retryably', async (t) => {
  const first = await RpcServer.create({ secret: SECRET, logger: captureLogger(), closeGraceMs: 0 });
  t.after(() => first.close());
  const gates = new Gates();
  first.register(TestService, testHandlers(gates));
  const { port } = first.address;
  const client = RpcClient.create({ secret: SECRET, logger: captureLogger() });
  t.after(() => client.close());
  const stub = createStub(client, TestService, first.address);
  assert.equal((await stub.echo(ping)).text, 'ping');

  const cut = stub.wait({ key: 'cut-off' });
  await waitFor(() => gates.count('cut-off') === 1, 'call in flight');
  await first.close();
  await assert.rejects(cut, (err: unknown) => hasCode(err, 'RPC_CONNECTION_CLOSED') && err.retryable);
  await waitFor(() => Object.values(client.stats())[0]!.connections === 0, 'client dropped the dead connection');

  const second = await RpcServer.create({ secret: SECRET, logger: captureLogger(), port });
  t.after(() => second.close());
  second.register(TestService, testHandlers(new Gates()));
  assert.equal((await stub.echo({ ...ping, text: 'again' })).text, 'again');
  assert.equal(second.metrics.counter('rpc.server.connections'), 1);
});

test('calling an address where nothing listens fails with SERVER_UNAVAILABLE', async (t) => {
  const probe = await RpcServer.create({ secret: SECRET, logger: captureLogger() });
  const address = probe.address;
  await probe.close();
  const client = RpcClient.create({ secret: SECRET, logger: captureLogger() });
  t.after(() => client.close());
  await assert.rejects(createStub(client, TestService, address).echo(ping), (err: unknown) => hasCode(err, 'SERVER_UNAVAILABLE'));
});
