import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { FrameFlag } from './frame.ts';
import { frameBytes, pattern, RawPeer, requestFrame, SECRET, startPair, TestService, waitFor } from './test-kit.ts';

test('a client that stops reading replies makes the server stop reading requests; its queue stays bounded', async (t) => {
  const maxOutstanding = 8;
  const { server } = await startPair(t, { server: { maxOutstandingPerConnection: maxOutstanding } });
  const raw = await RawPeer.authenticated(server.address, SECRET);
  t.after(() => raw.socket.destroy());
  raw.socket.pause(); // never read the 1 MiB replies
  const total = 160;
  const requests = Buffer.concat(Array.from({ length: total }, (_, i) => frameBytes(requestFrame(TestService.methods.get.id, { size: 1024 * 1024, seed: i % 4 }, i + 1))));
  raw.write(requests);

  const conn = () => server.connectionStats()[0]!;
  await waitFor(() => conn().readingPaused && conn().running === 0 && conn().queuedFrames >= maxOutstanding - 1, 'server paused with a full reply queue');
  const handled = server.metrics.counter('rpc.server.requests', { method: 'test.get' });
  const stalled = conn();
  assert.ok(stalled.running + stalled.queuedFrames <= maxOutstanding, `outstanding ${stalled.running + stalled.queuedFrames}`);
  assert.ok(stalled.bufferedBytes <= 64 * 1024, `decoder holds ${stalled.bufferedBytes} bytes`);
  // Only what the kernel's socket buffers absorbed got handled; the rest of the requests wait in TCP.
  assert.ok(handled < total / 2, `handled ${handled} of ${total}`);

  raw.socket.resume();
  await waitFor(() => raw.frames.length === total, 'all replies after the client reads again');
  assert.deepEqual(
    raw.frames.map((f) => f.header.requestId).sort((a, b) => a - b),
    Array.from({ length: total }, (_, i) => i + 1),
  );
  assert.ok(raw.frames.every((f) => (f.header.flags & FrameFlag.RESPONSE) !== 0 && f.header.status === 0 && f.bulk!.length === 1024 * 1024));
  assert.ok(raw.frames[5]!.bulk!.equals(pattern(1024 * 1024, (raw.frames[5]!.header.requestId - 1) % 4)));
  await waitFor(() => !conn().readingPaused && conn().queuedFrames === 0, 'server reading again');
});

test('a stalled server holds a client to its in-flight and waiting limits; beyond them calls fail RPC_OVERLOADED', async (t) => {
  const { stub, client, gates } = await startPair(t, { client: { maxInFlightPerConnection: 4, maxWaitingCalls: 10 } });
  await stub.echo({ text: 'connect first', n: 0n, nested: null });
  const calls = Array.from({ length: 20 }, () => stub.wait({ key: 'stall' }));
  const outcomes = Promise.allSettled(calls);
  await waitFor(() => gates.count('stall') === 4, 'four handlers running');
  const stats = Object.values(client.stats())[0]!;
  assert.equal(stats.inFlight, 4);
  assert.equal(stats.waiting, 10);
  gates.open('stall');
  const settled = await outcomes;
  assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 14);
  const rejected = settled.filter((s) => s.status === 'rejected');
  assert.equal(rejected.length, 6);
  assert.ok(rejected.every((s) => hasCode(s.reason, 'RPC_OVERLOADED') && s.reason.retryable));
});

test('a client flooding a slow server is held back by TCP: the server runs at most its outstanding limit', async (t) => {
  const { stub, client, server, gates } = await startPair(t, {
    server: { maxOutstandingPerConnection: 6 },
    client: { maxInFlightPerConnection: 40, maxWaitingCalls: 100 },
  });
  await stub.echo({ text: 'connect first', n: 0n, nested: null });
  const data = pattern(1024 * 1024, 1);
  const calls = Array.from({ length: 100 }, () => stub.put({ name: 'wait:put', data }));
  await waitFor(() => gates.count('wait:put') === 6 && server.connectionStats()[0]?.readingPaused === true, 'server at its limit');
  const s = server.connectionStats()[0]!;
  assert.equal(s.running, 6);
  assert.ok(s.bufferedBytes <= 2 * 1024 * 1024, `decoder holds ${s.bufferedBytes} bytes`);
  const c = Object.values(client.stats())[0]!;
  assert.equal(c.inFlight, 40);
  assert.equal(c.waiting, 60);
  assert.ok(c.queuedFrames <= 40, `client queue ${c.queuedFrames}`);
  gates.open('wait:put');
  const replies = await Promise.all(calls);
  assert.ok(replies.every((r) => r.size === 1024 * 1024 && r.hadBulk));
  assert.equal(gates.count('wait:put'), 0);
});
