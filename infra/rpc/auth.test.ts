import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { RpcClient } from './client.ts';
import { AUTH_METHOD_ID, AUTH_PROTOCOL, HELLO_METHOD_ID, newNonce } from './auth.ts';
import { encodeBody } from './codec.ts';
import { FrameFlag } from './frame.ts';
import { RpcServer } from './server.ts';
import { createStub } from './stub.ts';
import { captureLogger, frameBytes, Gates, RawPeer, requestFrame, SECRET, startPair, TestService, testHandlers, waitFor } from './test-kit.ts';
import { decodeError } from './wire-error.ts';

const ping = { text: 'ping', n: 1n, nested: null };

test('a client holding the cluster secret authenticates and calls', async (t) => {
  const { stub, server } = await startPair(t);
  assert.equal((await stub.echo(ping)).text, 'ping');
  assert.equal(server.metrics.counter('rpc.server.connections'), 1);
  assert.equal(server.metrics.counter('rpc.server.auth_failures'), 0);
});

test('a wrong secret is refused with RPC_AUTH_FAILED, logged, and the server keeps serving', async (t) => {
  const { server, serverLog, stub } = await startPair(t);
  const intruder = RpcClient.create({ secret: 'b'.repeat(64), logger: captureLogger() });
  t.after(() => intruder.close());
  const intruderStub = createStub(intruder, TestService, server.address);
  await assert.rejects(intruderStub.echo(ping), (err: unknown) => hasCode(err, 'RPC_AUTH_FAILED') && /wrong cluster secret/.test(err.message));
  assert.ok(serverLog.lines.some((l) => l.includes('refused connection') && l.includes('wrong cluster secret')));
  assert.equal(server.metrics.counter('rpc.server.auth_failures'), 1);
  await waitFor(() => server.connectionStats().length === 0, 'refused connection closed');
  assert.equal(Object.values(intruder.stats())[0]!.connections, 0);
  assert.equal((await stub.echo(ping)).text, 'ping');
});

test('a client without a secret is refused by name', async (t) => {
  const { server, serverLog } = await startPair(t);
  const anonymous = RpcClient.create({ secret: null, logger: captureLogger() });
  t.after(() => anonymous.close());
  await assert.rejects(createStub(anonymous, TestService, server.address).echo(ping), (err: unknown) => hasCode(err, 'RPC_AUTH_FAILED') && /missing secret/.test(err.message));
  assert.ok(serverLog.lines.some((l) => l.includes('missing secret')));
});

test('a call sent without any handshake is answered RPC_AUTH_FAILED and the connection closed', async (t) => {
  const { server, serverLog } = await startPair(t);
  const raw = await RawPeer.connect(server.address);
  raw.write(frameBytes(requestFrame(TestService.methods.echo.id, ping, 1)));
  await raw.whenClosed();
  const refusal = raw.frames.find((f) => (f.header.flags & FrameFlag.RESPONSE) !== 0);
  assert.ok(refusal !== undefined);
  assert.equal(refusal.header.requestId, 1);
  assert.equal(decodeError(refusal.header.status, refusal.body, 'server').code, 'RPC_AUTH_FAILED');
  assert.ok(serverLog.lines.some((l) => l.includes('call before authentication')));
});

test('a client refuses a server that cannot prove the secret', async (t) => {
  const impostor = await RpcServer.create({ secret: 'c'.repeat(64), logger: captureLogger() });
  t.after(() => impostor.close());
  impostor.register(TestService, testHandlers(new Gates()));
  const clientLog = captureLogger();
  const client = RpcClient.create({ secret: SECRET, logger: clientLog });
  t.after(() => client.close());
  // The impostor refuses our proof first; either way no call reaches a handler.
  await assert.rejects(createStub(client, TestService, impostor.address).echo(ping), (err: unknown) => hasCode(err, 'RPC_AUTH_FAILED'));
  assert.equal(impostor.metrics.counter('rpc.server.requests'), 0);
  assert.ok(clientLog.lines.some((l) => l.includes('RPC_AUTH_FAILED') || l.includes('authentication failed')));
});

test('a client refuses a server that accepts anyone but cannot prove the secret itself', async (t) => {
  // A fake server: HELLO, then "accepted" with a made-up proof.
  const fake = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(frameBytes({ flags: 0, serviceId: 0, methodId: HELLO_METHOD_ID, status: 0, requestId: 0, timeoutMs: 0, body: encodeBody({ protocol: AUTH_PROTOCOL, nonce: newNonce() }), bulk: null }));
    socket.once('data', () => {
      socket.write(frameBytes({ flags: FrameFlag.RESPONSE, serviceId: 0, methodId: AUTH_METHOD_ID, status: 0, requestId: 0, timeoutMs: 0, body: encodeBody({ proof: newNonce() }), bulk: null }));
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => fake.close(() => resolve())));
  const client = RpcClient.create({ secret: SECRET, logger: captureLogger() });
  t.after(() => client.close());
  const { port } = fake.address() as AddressInfo;
  await assert.rejects(
    createStub(client, TestService, { host: '127.0.0.1', port }).echo(ping),
    (err: unknown) => hasCode(err, 'RPC_AUTH_FAILED') && /did not prove/.test(err.message),
  );
});

test('a connection that never completes the handshake is closed', async (t) => {
  const { server, serverLog } = await startPair(t, { server: { handshakeTimeoutMs: 20 } });
  const idle = await RawPeer.connect(server.address);
  await idle.whenClosed();
  assert.ok(serverLog.lines.some((l) => l.includes('handshake not completed in time')));
});

test('before authentication, frames are capped small so a stranger cannot make the server allocate', async (t) => {
  const { server, serverLog } = await startPair(t);
  const raw = await RawPeer.connect(server.address);
  raw.write(frameBytes(requestFrame(2, { name: 'x' }, 1, Buffer.alloc(64 * 1024))).subarray(0, 48));
  await raw.whenClosed();
  assert.ok(serverLog.lines.some((l) => l.includes('exceeds the maximum 4096')));
});
