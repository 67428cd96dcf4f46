/**
 * Fuzzing the wire: thousands of random and mutated frames, each batch on its own connection, against a live
 * server (unauthenticated and authenticated peers) and against a client (a hostile server). Afterwards the server
 * must still serve a well-formed call. Seeded; set FIREPOND_FUZZ_SEED to replay a run.
 */
import assert from 'node:assert/strict';
import { crc32c } from '@node-rs/crc32';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { FirepondError } from '../errors.ts';
import type { RpcAddress } from './address.ts';
import { AUTH_METHOD_ID, AUTH_PROTOCOL, HELLO_METHOD_ID, newNonce, parseAuthReq, serverProof } from './auth.ts';
import { RpcClient } from './client.ts';
import { decodeBody, encodeBody } from './codec.ts';
import { FrameFlag, HEADER_SIZE } from './frame.ts';
import type { OutgoingFrame } from './frame.ts';
import { FrameDecoder } from './frame-decoder.ts';
import { RpcServer } from './server.ts';
import { createStub } from './stub.ts';
import { captureLogger, frameBytes, Gates, pattern, RawPeer, requestFrame, SECRET, TestService, testHandlers, waitFor } from './test-kit.ts';

const SEED = Number(process.env.FIREPOND_FUZZ_SEED ?? 0x5eed);

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

class Fuzzer {
  constructor(readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** A well-formed request frame of the test service. */
  validRequest(requestId: number): OutgoingFrame {
    switch (this.int(4)) {
      case 0:
        return requestFrame(TestService.methods.echo.id, { text: 'fuzz', n: BigInt(this.int(1000)), nested: null }, requestId);
      case 1:
        return requestFrame(TestService.methods.put.id, { name: 'fuzz' }, requestId, this.bytes(this.int(3000)));
      case 2:
        return requestFrame(TestService.methods.get.id, { size: this.int(5000), seed: 1 }, requestId);
      default:
        return requestFrame(TestService.methods.mirror.id, { name: 'm' }, requestId, this.bytes(this.int(100)));
    }
  }

  /** One hostile byte string built from a valid frame, or from nothing. */
  mutate(frame: OutgoingFrame): { kind: string; bytes: Buffer } {
    const good = frameBytes(frame);
    const reseal = (b: Buffer): Buffer => {
      b.writeUInt32BE(crc32c(b.subarray(0, HEADER_SIZE - 4)), HEADER_SIZE - 4);
      return b;
    };
    switch (this.int(9)) {
      case 0:
        return { kind: 'random bytes', bytes: this.bytes(1 + this.int(2000)) };
      case 1: {
        const b = Buffer.from(good);
        for (let i = 1 + this.int(8); i > 0; i--) {
          const at = this.int(b.length);
          b[at]! ^= 1 << this.int(8);
        }
        return { kind: 'flipped bits', bytes: b };
      }
      case 2:
        return { kind: 'truncated', bytes: good.subarray(0, this.int(good.length)) };
      case 3: {
        const b = Buffer.from(good);
        b.writeUInt32BE(this.pick([0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 2 * 1024 * 1024, this.int(2 ** 32)]), this.pick([28, 32]));
        if (this.int(2) === 0) b.writeUInt8(b.readUInt8(5) | FrameFlag.HAS_BULK, 5);
        return { kind: 'huge length', bytes: this.int(3) === 0 ? b : reseal(b) };
      }
      case 4: {
        // Random header fields under a valid header checksum: versions, flags, ids, statuses.
        const b = Buffer.from(good);
        const field = this.pick([4, 5, 6, 8, 10, 12, 16, 24]);
        b.writeUInt8(this.int(256), field + this.int(field === 4 || field === 5 ? 1 : 2));
        return { kind: 'resealed header field', bytes: reseal(b) };
      }
      case 5: {
        // Checked framing around an undecodable body.
        const body = this.bytes(1 + this.int(200));
        return { kind: 'garbage body', bytes: frameBytes({ ...frame, body }) };
      }
      case 6: {
        const b = Buffer.from(good);
        b.writeUInt32BE(this.int(2 ** 32), 0);
        return { kind: 'bad magic', bytes: b };
      }
      case 7:
        return { kind: 'frame then garbage', bytes: Buffer.concat([good, this.bytes(1 + this.int(100))]) };
      default:
        return { kind: 'valid', bytes: good };
    }
  }
}

function closeOf(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.on('close', () => resolve());
  });
}

async function unauthenticatedAttack(address: RpcAddress, payloads: Buffer[]): Promise<void> {
  const socket = connect({ host: address.host, port: address.port });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const closed = closeOf(socket);
  for (const p of payloads) socket.write(p);
  socket.end();
  await closed;
}

async function authenticatedAttack(address: RpcAddress, payloads: Buffer[]): Promise<void> {
  const peer = await RawPeer.authenticated(address, SECRET);
  for (const p of payloads) peer.write(p);
  peer.socket.end();
  await peer.whenClosed();
}

async function inBatches(count: number, concurrency: number, run: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await run(next++);
    }),
  );
}

test(`the server survives thousands of random and mutated frames (seed ${SEED})`, async (t) => {
  const log = captureLogger();
  const server = await RpcServer.create({ secret: SECRET, logger: log, maxFrameSize: 1024 * 1024, closeGraceMs: 1000 });
  t.after(() => server.close());
  server.register(TestService, { ...testHandlers(new Gates()), wait: (req) => ({ key: String(req?.key), deadline: null }) });
  const fuzz = new Fuzzer(rng(SEED));
  const kinds = new Map<string, number>();
  let frames = 0;
  const payloads = (n: number): Buffer[] =>
    Array.from({ length: n }, (_, i) => {
      const { kind, bytes } = fuzz.mutate(fuzz.validRequest(i + 1));
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      frames += 1;
      return bytes;
    });

  // 1. Strangers: whatever they send is refused before authentication.
  await inBatches(600, 24, () => unauthenticatedAttack(server.address, payloads(1 + fuzz.int(3))));
  // 2. Authenticated peers: their frames reach the full parser and the dispatcher.
  await inBatches(500, 24, () => authenticatedAttack(server.address, payloads(1 + fuzz.int(6))));
  t.diagnostic(`${frames} hostile frames: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  assert.ok(frames >= 2000);

  await waitFor(() => server.connectionStats().length === 0, 'every fuzz connection closed');
  assert.ok(server.metrics.counter('rpc.server.bad_frames') > 100);
  assert.ok(server.metrics.counter('rpc.server.auth_failures') > 100);
  assert.ok(log.lines.some((l) => l.includes('closing connection from') && /bad frame/.test(l)));

  // 3. A well-formed client still gets served.
  const client = RpcClient.create({ secret: SECRET, logger: captureLogger() });
  t.after(() => client.close());
  const stub = createStub(client, TestService, server.address);
  assert.equal((await stub.echo({ text: 'still alive', n: 1n, nested: null })).text, 'still alive');
  const data = pattern(200_000, 5);
  assert.equal((await stub.put({ name: 'after', data })).crc, crc32c(data));
});

test(`a client survives a hostile server (seed ${SEED})`, async (t) => {
  const fuzz = new Fuzzer(rng(SEED + 1));
  // Completes real handshakes, then answers every request with a mutated response.
  const sockets = new Set<Socket>();
  const hostile = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder(16 * 1024 * 1024);
    const serverNonce = newNonce();
    const hello: OutgoingFrame = { flags: 0, serviceId: 0, methodId: HELLO_METHOD_ID, status: 0, requestId: 0, timeoutMs: 0, body: encodeBody({ protocol: AUTH_PROTOCOL, nonce: serverNonce }), bulk: null };
    socket.write(fuzz.int(8) === 0 ? fuzz.mutate(hello).bytes : frameBytes(hello));
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      try {
        for (let f = decoder.next(); f !== null; f = decoder.next()) {
          if (f.header.serviceId === 0 && f.header.methodId === AUTH_METHOD_ID) {
            const auth = parseAuthReq(decodeBody(f.body));
            const proof = auth === null ? newNonce() : serverProof(SECRET, serverNonce, auth.nonce);
            socket.write(frameBytes({ ...hello, flags: FrameFlag.RESPONSE, methodId: AUTH_METHOD_ID, body: encodeBody({ proof }) }));
            continue;
          }
          const reply: OutgoingFrame = { ...f.header, flags: FrameFlag.RESPONSE, status: 0, timeoutMs: 0, body: encodeBody({ text: 'x', n: 1n, nested: null }), bulk: null };
          socket.write(fuzz.mutate(reply).bytes);
        }
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => hostile.close(() => resolve()));
  });
  const client = RpcClient.create({ secret: SECRET, logger: captureLogger(), timeoutMs: 100, connectTimeoutMs: 100 });
  t.after(() => client.close());
  const stub = createStub(client, TestService, { host: '127.0.0.1', port: (hostile.address() as AddressInfo).port });
  const outcomes = new Map<string, number>();
  await inBatches(400, 8, async () => {
    const code = await stub.echo({ text: 'x', n: 1n, nested: null }).then(
      () => 'OK',
      (err: unknown) => (err instanceof FirepondError ? err.code : `not coded: ${String(err)}`),
    );
    outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
  });
  t.diagnostic(`client outcomes: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  assert.ok([...outcomes.keys()].every((k) => !k.startsWith('not coded')), 'every failure is a coded error');
  assert.ok((outcomes.get('OK') ?? 0) > 0);
});
