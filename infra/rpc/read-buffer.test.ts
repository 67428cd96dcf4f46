import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { hasCode } from '../errors.ts';
import { AUTH_METHOD_ID, AUTH_PROTOCOL, HELLO_METHOD_ID, newNonce, parseAuthReq, serverProof } from './auth.ts';
import { RpcClient } from './client.ts';
import { decodeBody, encodeBody } from './codec.ts';
import { FrameFlag } from './frame.ts';
import type { OutgoingFrame } from './frame.ts';
import { FrameDecoder } from './frame-decoder.ts';
import { RpcServer } from './server.ts';
import { defineService, method } from './service.ts';
import { createStub } from './stub.ts';
import { frameBytes, Gates, pattern, RawPeer, requestFrame, SECRET, startPair, TestService, testHandlers, waitFor } from './test-kit.ts';

for (const [serverBytes, clientBytes] of [[0, 0], [0, 512 * 1024], [512 * 1024, 0], [4096, 4096]] as const) {
  test(`bulk both ways with server reads ${serverBytes || 'streamed'} and client reads ${clientBytes || 'streamed'}`, async (t) => {
    const { stub, server } = await startPair(t, { server: { readBufferBytes: serverBytes }, client: { readBufferBytes: clientBytes } });
    const big = pattern(3 * 1024 * 1024 + 7, 2);
    const results = await Promise.all([
      stub.mirror({ name: 'a', data: big }),
      stub.put({ name: 'b', data: pattern(1024 * 1024, 5) }),
      stub.get({ size: 1024 * 1024, seed: 6 }),
      stub.echo({ text: 'small', n: 1n, nested: null }),
    ]);
    assert.equal(crc32c(results[0].data!), crc32c(big));
    assert.deepEqual(results[1], { size: 1024 * 1024, crc: crc32c(pattern(1024 * 1024, 5)), hadBulk: true });
    assert.ok(Buffer.from(results[2].data!).equals(pattern(1024 * 1024, 6)));
    assert.equal(results[3].text, 'small');
    assert.equal(server.connectionStats()[0]!.reads, serverBytes > 0 ? 'buffer' : 'stream');
  });
}

test('a reply bulk lands in the buffer the caller passed, and in a buffer of its own when it does not fit', async (t) => {
  const { stub } = await startPair(t);
  const buffers = Array.from({ length: 8 }, () => Buffer.alloc(1024 * 1024));
  const replies = await Promise.all(buffers.map((into, i) => stub.get({ size: 1000 * (i + 1), seed: i }, { bulkInto: into })));
  replies.forEach((reply, i) => {
    assert.ok(Buffer.from(reply.data!).equals(pattern(1000 * (i + 1), i)));
    assert.equal(reply.data!.buffer, buffers[i]!.buffer, `reply ${i} is a view of its buffer`);
    assert.ok(buffers[i]!.subarray(0, 1000 * (i + 1)).equals(pattern(1000 * (i + 1), i)));
  });
  const small = Buffer.alloc(10);
  const big = await stub.get({ size: 5000, seed: 9 }, { bulkInto: small });
  assert.ok(Buffer.from(big.data!).equals(pattern(5000, 9)));
  assert.notEqual(big.data!.buffer, small.buffer);
  assert.ok(small.equals(Buffer.alloc(10)), 'the small buffer is untouched');
});

test('a call that times out while its reply streams in never writes into its buffer after it failed', async (t) => {
  // A server that answers with half a 2 MiB frame, waits until told, then sends the rest.
  const sockets = new Set<Socket>();
  let release: (() => void) | null = null;
  const raw = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder(1 << 30);
    const serverNonce = newNonce();
    const hello: OutgoingFrame = { flags: 0, serviceId: 0, methodId: HELLO_METHOD_ID, status: 0, requestId: 0, timeoutMs: 0, body: encodeBody({ protocol: AUTH_PROTOCOL, nonce: serverNonce }), bulk: null };
    socket.write(frameBytes(hello));
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      for (let f = decoder.next(); f !== null; f = decoder.next()) {
        if (f.header.serviceId === 0 && f.header.methodId === AUTH_METHOD_ID) {
          const auth = parseAuthReq(decodeBody(f.body))!;
          socket.write(frameBytes({ ...hello, flags: FrameFlag.RESPONSE, methodId: AUTH_METHOD_ID, body: encodeBody({ proof: serverProof(SECRET, serverNonce, auth.nonce) }) }));
          continue;
        }
        const size = (decodeBody(f.body) as { size: number }).size;
        const bytes = frameBytes({ ...f.header, flags: FrameFlag.RESPONSE, status: 0, timeoutMs: 0, body: encodeBody({ size }), bulk: pattern(size, 1) });
        if (size < 1024 * 1024) {
          socket.write(bytes);
          continue;
        }
        socket.write(bytes.subarray(0, bytes.length / 2));
        release = () => socket.write(bytes.subarray(bytes.length / 2));
      }
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    raw.close();
  });
  const client = RpcClient.create({ secret: SECRET });
  t.after(() => client.close());
  const address = { host: '127.0.0.1', port: (raw.address() as { port: number }).port };
  const stub = createStub(client, TestService, address);
  await stub.get({ size: 10, seed: 0 }); // connected and authenticated

  const into = Buffer.alloc(2 * 1024 * 1024);
  await assert.rejects(stub.get({ size: 2 * 1024 * 1024, seed: 0 }, { bulkInto: into, timeoutMs: 100 }), (err: unknown) => hasCode(err, 'RPC_TIMEOUT'));
  await waitFor(() => release !== null, 'the first half sent');
  into.fill(0x33); // the caller reuses its buffer at once
  release!();
  const after = await stub.get({ size: 1000, seed: 1 }); // the stream stays in sync behind the skipped bulk
  assert.ok(Buffer.from(after.data!).equals(pattern(1000, 1)));
  assert.ok(into.every((b) => b === 0x33), 'the late half of the reply went nowhere');
  assert.equal(client.metrics.counter('rpc.client.late_replies'), 1);
});

const PooledService = defineService({
  id: 902,
  name: 'pooled',
  methods: { read: method<{ readonly fail: boolean; readonly size: number }, { readonly data: Uint8Array | null }>({ id: 1, responseBulk: 'data' }) },
});

test('afterReply runs once the reply is written, for errors too, and not while it waits to be written', async (t) => {
  const server = await RpcServer.create({ secret: SECRET });
  t.after(() => server.close());
  const events: string[] = [];
  server.register(PooledService, {
    read: (req, context) => {
      context.afterReply(() => events.push(req.fail ? 'released after error' : `released ${req.size}`));
      events.push('handler done');
      if (req.fail) throw new Error('no such thing');
      return { data: pattern(req.size, 3) };
    },
  });
  const client = RpcClient.create({ secret: SECRET });
  t.after(() => client.close());
  const stub = createStub(client, PooledService, server.address);
  const reply = await stub.read({ fail: false, size: 1000 });
  assert.ok(Buffer.from(reply.data!).equals(pattern(1000, 3)));
  await waitFor(() => events.length === 2, 'released');
  assert.deepEqual(events, ['handler done', 'released 1000']);
  await assert.rejects(stub.read({ fail: true, size: 0 }));
  await waitFor(() => events.length === 4, 'released after the error');
  assert.deepEqual(events.slice(2), ['handler done', 'released after error']);

  // A reply far larger than both sockets' buffers, to a peer that does not read: it cannot be written yet.
  events.length = 0;
  const raw = await RawPeer.authenticated(server.address, SECRET);
  t.after(() => raw.socket.destroy());
  raw.socket.pause();
  const size = 48 * 1024 * 1024;
  raw.write(frameBytes(requestFrame(PooledService.methods.read.id, { fail: false, size }, 1, null, PooledService.id)));
  await waitFor(() => events.includes('handler done'), 'the handler ran');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(events, ['handler done'], 'not released while the reply waits for the socket');
  raw.socket.resume();
  await waitFor(() => raw.frames.length === 1, 'the reply arrived');
  await waitFor(() => events.length === 2, 'released once written');
  assert.equal(events[1], `released ${size}`);
});

test('a lending method receives request bulks into pooled buffers, reused once its handler settles', async (t) => {
  const server = await RpcServer.create({ secret: SECRET });
  t.after(() => server.close());
  const seen: Uint8Array[] = [];
  const handlers = testHandlers(new Gates());
  server.register(TestService, { ...handlers, put: (req, context) => (seen.push(req.data!), handlers.put(req, context)) }, { lendRequestBulk: ['put', 'mirror'] });
  const client = RpcClient.create({ secret: SECRET });
  t.after(() => client.close());
  const stub = createStub(client, TestService, server.address);
  for (const seed of [1, 2, 3]) {
    const data = pattern(1024 * 1024, seed);
    assert.deepEqual(await stub.put({ name: 'p', data }), { size: data.length, crc: crc32c(data), hadBulk: true });
  }
  assert.equal(seen[1]!.buffer, seen[0]!.buffer, 'the second request reused the first one\'s buffer');
  assert.equal(seen[2]!.buffer, seen[0]!.buffer);
});

test('a pooled request bulk sent back in a reply is held until that reply is written', async (t) => {
  const server = await RpcServer.create({ secret: SECRET });
  t.after(() => server.close());
  server.register(TestService, testHandlers(new Gates()), { lendRequestBulk: ['mirror'] });
  const raw = await RawPeer.authenticated(server.address, SECRET);
  t.after(() => raw.socket.destroy());
  raw.socket.pause(); // replies pile up in the server's queue while later requests reuse pooled buffers
  const total = 24;
  for (let i = 0; i < total; i++) raw.write(frameBytes(requestFrame(TestService.methods.mirror.id, { name: `m${i}` }, i + 1, pattern(512 * 1024, i))));
  await waitFor(() => server.connectionStats()[0]?.readingPaused === true || server.metrics.counter('rpc.server.requests', { method: 'test.mirror' }) === total, 'requests handled');
  raw.socket.resume();
  await waitFor(() => raw.frames.length === total || raw.error !== null, 'all replies');
  assert.equal(raw.error, null);
  for (const frame of raw.frames) {
    const i = frame.header.requestId - 1;
    assert.ok(frame.bulk!.equals(pattern(512 * 1024, i)), `reply ${i} carries its own request's bytes`);
  }
});
