import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { FirepondError, hasCode } from '../errors.ts';
import { createStub } from './stub.ts';
import { NewerTestService, pattern, startPair, UnknownService, waitFor } from './test-kit.ts';
import type { PutReq, PutRsp } from './test-kit.ts';

test('a typed call round-trips its body, bigints and nesting included', async (t) => {
  const { stub, server, client } = await startPair(t);
  const req = { text: 'hello', n: 2n ** 64n + 1n, nested: { list: [1, 2, 3], flag: true } };
  assert.deepEqual(await stub.echo(req), req);
  assert.deepEqual(await stub.echo({ text: '', n: -1n, nested: null }), { text: '', n: -1n, nested: null });
  assert.equal(server.metrics.counter('rpc.server.requests', { method: 'test.echo', status: 'OK' }), 2);
  assert.equal(client.metrics.counter('rpc.client.requests', { method: 'test.echo', status: 'OK' }), 2);
  assert.equal(client.metrics.summary('rpc.client.latency_ms', { method: 'test.echo' })?.count, 2);
  assert.ok(server.metrics.counter('rpc.server.bytes_in', { method: 'test.echo' }) > 0);
  assert.ok(server.metrics.counter('rpc.server.bytes_out', { method: 'test.echo' }) > 0);
  assert.ok(client.metrics.counter('rpc.client.bytes_out') > 0);
  assert.ok(client.metrics.counter('rpc.client.bytes_in') > 0);
});

test('bulk travels both ways, and null or empty bulk stays distinct', async (t) => {
  const { stub } = await startPair(t);
  const data = pattern(100_000, 3);
  assert.deepEqual(await stub.put({ name: 'a', data }), { size: 100_000, crc: crc32c(data), hadBulk: true });
  assert.deepEqual(await stub.put({ name: 'b', data: null }), { size: 0, crc: 0, hadBulk: false });
  assert.deepEqual(await stub.put({ name: 'c', data: new Uint8Array(0) }), { size: 0, crc: 0, hadBulk: true });
  const got = await stub.get({ size: 5000, seed: 4 });
  assert.ok(Buffer.from(got.data!).equals(pattern(5000, 4)));
  assert.equal((await stub.get({ size: -1, seed: 0 })).data, null);
});

test('a 64 MiB bulk goes out and comes back intact', async (t) => {
  const { stub } = await startPair(t);
  const data = pattern(64 * 1024 * 1024, 7);
  const back = await stub.mirror({ name: 'big', data });
  assert.equal(back.name, 'big');
  assert.equal(back.data!.length, data.length);
  assert.equal(crc32c(back.data!), crc32c(data));
});

test('many concurrent calls share one connection and each gets its own reply', async (t) => {
  const { stub, client, server } = await startPair(t);
  const replies = await Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0 ? stub.get({ size: 1000 + i, seed: i }).then((r) => Buffer.from(r.data!).equals(pattern(1000 + i, i))) : stub.echo({ text: `#${i}`, n: BigInt(i), nested: null }).then((r) => r.text === `#${i}` && r.n === BigInt(i)),
    ),
  );
  assert.ok(replies.every(Boolean));
  const stats = Object.values(client.stats());
  assert.equal(stats.length, 1);
  assert.equal(stats[0]!.connections, 1);
  assert.equal(server.connectionStats().length, 1);
});

test('with several connections allowed, busy connections make the pool open more and spread new calls', async (t) => {
  const { stub, client, server, gates } = await startPair(t, { client: { connectionsPerAddress: 3 } });
  const blocked = () => gates.count('spread');
  const first = Array.from({ length: 30 }, () => stub.wait({ key: 'spread' }));
  const pool = () => Object.values(client.stats())[0]!;
  // The first connection got busy, so a second one was opened; it is idle until new calls come.
  await waitFor(() => blocked() === 30 && pool().ready === 2, 'first batch running, a second connection ready');
  const second = Array.from({ length: 30 }, () => stub.wait({ key: 'spread' }));
  await waitFor(() => blocked() === 60 && pool().ready === 3, 'second batch running, a third connection ready');
  assert.ok(server.connectionStats().filter((c) => c.running > 0).length >= 2, 'new calls went to the idle connection');
  gates.open('spread');
  assert.equal((await Promise.all([...first, ...second])).length, 60);
});

test('a handler FirepondError reaches the caller with its code; any other error is INTERNAL', async (t) => {
  const { stub, server, serverLog } = await startPair(t);
  await assert.rejects(stub.fail({ code: 'META_NOT_FOUND', message: 'no such file: /x' }), (err: unknown) => {
    assert.ok(err instanceof FirepondError);
    assert.equal(err.code, 'META_NOT_FOUND');
    assert.equal(err.message, 'no such file: /x');
    assert.equal(err.context.why, 'asked to');
    return true;
  });
  await assert.rejects(stub.fail({ code: 'STORAGE_CHAIN_VERSION_MISMATCH', message: 'v' }), (err: unknown) => hasCode(err, 'STORAGE_CHAIN_VERSION_MISMATCH') && err.retryable);
  await assert.rejects(stub.fail({ code: null, message: 'kaboom' }), (err: unknown) => hasCode(err, 'INTERNAL') && err.message === 'kaboom');
  assert.ok(serverLog.lines.some((l) => l.includes('handler test.fail failed') && l.includes('kaboom')));
  assert.equal(server.metrics.counter('rpc.server.requests', { method: 'test.fail', status: 'META_NOT_FOUND' }), 1);
  assert.equal(server.metrics.counter('rpc.server.requests', { method: 'test.fail', status: 'INTERNAL' }), 1);
});

test('unknown methods and services answer RPC_UNKNOWN_METHOD and keep the connection', async (t) => {
  const { client, server, stub } = await startPair(t);
  const newer = createStub(client, NewerTestService, server.address);
  assert.equal((await newer.echo({ text: 'old method', n: 1n, nested: null })).text, 'old method');
  await assert.rejects(newer.brandNew({ x: 1 }), (err: unknown) => hasCode(err, 'RPC_UNKNOWN_METHOD'));
  await assert.rejects(createStub(client, UnknownService, server.address).ping(null), (err: unknown) => hasCode(err, 'RPC_UNKNOWN_METHOD'));
  assert.equal((await stub.echo({ text: 'still here', n: 0n, nested: null })).text, 'still here');
  assert.equal(Object.values(client.stats())[0]!.connections, 1);
});

test('service definitions refuse reserved, out-of-range and duplicate ids; servers refuse missing handlers', async (t) => {
  const { defineService, method } = await import('./service.ts');
  assert.throws(() => defineService({ id: 0, name: 'x', methods: {} }), /must be an integer in 1-65535/);
  assert.throws(() => defineService({ id: 70000, name: 'x', methods: {} }), /must be an integer/);
  assert.throws(() => defineService({ id: 5, name: 'x', methods: { a: method<null, null>({ id: 1 }), b: method<null, null>({ id: 1 }) } }), /share method id 1/);
  const { server, stub } = await startPair(t);
  // Compile-time checks: a bulk field must be bytes, and stubs take the declared request type.
  // @ts-expect-error 'name' is a string, not a byte array
  method<PutReq, PutRsp>({ id: 1, requestBulk: 'name' });
  // @ts-expect-error echo takes an EchoReq
  await stub.echo({ text: 1 }); // at run time the untyped request simply round-trips
  assert.throws(() => server.register(UnknownService, {} as never), /no handler for unknown.ping/);
  assert.throws(() => server.register(NewerTestService, { echo: () => null, brandNew: () => null } as never), /already registered/);
});

test('frames above the maximum size: refused before sending, answered as errors, or the connection is closed', async (t) => {
  const { stub, serverLog } = await startPair(t, { server: { maxFrameSize: 64 * 1024 }, client: { maxFrameSize: 1024 * 1024 } });
  // The client's own limit is checked before anything is sent.
  await assert.rejects(stub.put({ name: 'x', data: Buffer.alloc(2 * 1024 * 1024) }), (err: unknown) => hasCode(err, 'INVALID_ARGUMENT') && /exceeds the maximum frame size/.test(err.message));
  // A reply above the server's limit becomes an error reply.
  await assert.rejects(stub.get({ size: 100 * 1024, seed: 1 }), (err: unknown) => hasCode(err, 'INVALID_ARGUMENT'));
  // A request above the server's limit breaks framing there: the connection closes with a logged reason.
  await assert.rejects(stub.put({ name: 'x', data: Buffer.alloc(100 * 1024) }), (err: unknown) => hasCode(err, 'RPC_CONNECTION_CLOSED'));
  assert.ok(serverLog.lines.some((l) => l.includes('exceeds the maximum 65536')));
  assert.equal((await stub.echo({ text: 'new connection', n: 0n, nested: null })).text, 'new connection');
});
