/**
 * Shared pieces of the infra/rpc tests: a test service, a server + client pair on loopback port 0, a capturing
 * logger, gates that hold handlers, and raw sockets that speak (or abuse) the frame format.
 */
import { crc32c } from '@node-rs/crc32';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { FirepondError, GeneralError, isErrorCode } from '../errors.ts';
import type { RpcAddress } from './address.ts';
import { authRequestFrame, clientProof, HELLO_METHOD_ID, newNonce, parseHello } from './auth.ts';
import type { ClusterSecret } from './auth.ts';
import { RpcClient } from './client.ts';
import type { RpcClientOptions } from './client.ts';
import { decodeBody, encodeBody } from './codec.ts';
import { encodeHeader, FrameFlag } from './frame.ts';
import type { Frame, OutgoingFrame } from './frame.ts';
import { FrameDecoder } from './frame-decoder.ts';
import type { RpcLogger } from './logger.ts';
import { RpcServer } from './server.ts';
import type { RpcServerOptions } from './server.ts';
import { defineService, method } from './service.ts';
import type { Handlers } from './service.ts';
import { createStub } from './stub.ts';
import type { ServiceStub } from './stub.ts';

export const SECRET = 'a'.repeat(64);

export interface EchoReq {
  readonly text: string;
  readonly n: bigint;
  readonly nested: { readonly list: readonly number[]; readonly flag: boolean } | null;
}
export interface PutReq {
  readonly name: string;
  readonly data: Uint8Array | null;
}
export interface PutRsp {
  readonly size: number;
  readonly crc: number;
  readonly hadBulk: boolean;
}
export interface GetReq {
  readonly size: number;
  readonly seed: number;
}
export interface GetRsp {
  readonly size: number;
  readonly data: Uint8Array | null;
}
export interface FailReq {
  /** An error code to throw as a FirepondError, or null to throw a plain Error. */
  readonly code: string | null;
  readonly message: string;
}
export interface WaitReq {
  readonly key: string;
}
export interface WaitRsp {
  readonly key: string;
  readonly deadline: number | null;
}

export const TestService = defineService({
  id: 900,
  name: 'test',
  methods: {
    echo: method<EchoReq, EchoReq>({ id: 1 }),
    put: method<PutReq, PutRsp>({ id: 2, requestBulk: 'data' }),
    get: method<GetReq, GetRsp>({ id: 3, responseBulk: 'data' }),
    fail: method<FailReq, null>({ id: 4 }),
    wait: method<WaitReq, WaitRsp>({ id: 5 }),
    mirror: method<PutReq, PutReq>({ id: 6, requestBulk: 'data', responseBulk: 'data' }),
  },
});

/** The same service id with a method the server does not have (a newer client talking to an older server). */
export const NewerTestService = defineService({
  id: 900,
  name: 'test',
  methods: { echo: TestService.methods.echo, brandNew: method<{ readonly x: number }, null>({ id: 77 }) },
});

export const UnknownService = defineService({ id: 901, name: 'unknown', methods: { ping: method<null, null>({ id: 1 }) } });

/** Handlers of `wait` block until the test opens their key. */
export class Gates {
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly opened = new Set<string>();
  /** Calls currently blocked, per key. */
  readonly blocked = new Map<string, number>();

  wait(key: string): Promise<void> {
    if (this.opened.has(key)) return Promise.resolve();
    this.blocked.set(key, (this.blocked.get(key) ?? 0) + 1);
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      list.push(() => {
        this.blocked.set(key, (this.blocked.get(key) ?? 1) - 1);
        resolve();
      });
      this.waiters.set(key, list);
    });
  }

  open(key: string): void {
    this.opened.add(key);
    for (const wake of this.waiters.get(key) ?? []) wake();
    this.waiters.delete(key);
  }

  count(key: string): number {
    return this.blocked.get(key) ?? 0;
  }
}

const patternCache = new Map<string, Buffer>();

/** Deterministic bytes for bulk payloads (small ones cached: handlers return them often). */
export function pattern(size: number, seed: number): Buffer {
  const key = `${size}:${seed}`;
  const cached = patternCache.get(key);
  if (cached !== undefined) return cached;
  const out = makePattern(size, seed);
  if (size <= 1024 * 1024) {
    if (patternCache.size >= 16) patternCache.delete(patternCache.keys().next().value!);
    patternCache.set(key, out);
  }
  return out;
}

function makePattern(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  for (let i = size - (size % 4); i < size; i++) out[i] = i & 0xff;
  return out;
}

export function testHandlers(gates: Gates, calls: { seen: string[] } = { seen: [] }): Handlers<typeof TestService> {
  return {
    echo: (req) => {
      calls.seen.push(`echo:${req.text}`);
      return req;
    },
    put: async (req) => {
      if (req.name.startsWith('wait:')) await gates.wait(req.name);
      return { size: req.data?.length ?? 0, crc: req.data === null ? 0 : crc32c(req.data), hadBulk: req.data !== null };
    },
    get: (req) => ({ size: req.size, data: req.size < 0 ? null : pattern(req.size, req.seed) }),
    fail: (req) => {
      if (req.code !== null && isErrorCode(req.code)) throw new FirepondError(req.code, req.message, { context: { why: 'asked to' } });
      throw new Error(req.message);
    },
    wait: async (req, ctx) => {
      calls.seen.push(`wait:${req.key}`);
      await gates.wait(req.key);
      return { key: req.key, deadline: ctx.deadline };
    },
    mirror: (req) => req,
  };
}

export interface CapturedLogger extends RpcLogger {
  readonly lines: string[];
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  return { lines, warn: (message) => void lines.push(message) };
}

export interface Pair {
  readonly server: RpcServer;
  readonly client: RpcClient;
  readonly stub: ServiceStub<typeof TestService>;
  readonly gates: Gates;
  readonly serverLog: CapturedLogger;
  readonly clientLog: CapturedLogger;
  readonly calls: { seen: string[] };
}

/** A server with the test service and a client stub for it, both closed when the test ends. */
export async function startPair(
  t: TestContext,
  options: { server?: Partial<RpcServerOptions>; client?: Partial<RpcClientOptions> } = {},
): Promise<Pair> {
  const serverLog = captureLogger();
  const clientLog = captureLogger();
  const gates = new Gates();
  const calls = { seen: [] as string[] };
  const server = await RpcServer.create({ secret: SECRET, logger: serverLog, closeGraceMs: 2000, ...options.server });
  t.after(() => server.close());
  server.register(TestService, testHandlers(gates, calls));
  const client = RpcClient.create({ secret: SECRET, logger: clientLog, ...options.client });
  t.after(() => client.close());
  return { server, client, stub: createStub(client, TestService, server.address), gates, serverLog, clientLog, calls };
}

/** Polls `condition` on the event loop; fails with `what` if it never holds. Never used to measure time. */
export async function waitFor(condition: () => boolean, what: string, maxTurns = 4000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw GeneralError.TIMEOUT(`condition never held: ${what}`);
}

/** The bytes of one whole frame. */
export function frameBytes(frame: OutgoingFrame): Buffer {
  const parts = [encodeHeader(frame), Buffer.from(frame.body)];
  if (frame.bulk !== null) parts.push(Buffer.from(frame.bulk));
  return Buffer.concat(parts);
}

export function requestFrame(methodId: number, body: unknown, requestId: number, bulk: Uint8Array | null = null, serviceId = TestService.id): OutgoingFrame {
  return { flags: 0, serviceId, methodId, status: 0, requestId, timeoutMs: 0, body: encodeBody(body), bulk };
}

/** A raw socket that reads frames into `frames` and records when it closed. */
export class RawPeer {
  readonly frames: Frame[] = [];
  closed = false;
  error: Error | null = null;
  private readonly decoder = new FrameDecoder(1024 * 1024 * 1024);
  private readonly closedPromise: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      try {
        for (let f = this.decoder.next(); f !== null; f = this.decoder.next()) this.frames.push(f);
      } catch (err) {
        this.error = err as Error;
        socket.destroy();
      }
    });
    socket.on('error', (err) => (this.error = err));
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static async connect(address: RpcAddress): Promise<RawPeer> {
    const socket = connect({ host: address.host, port: address.port });
    const peer = new RawPeer(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return peer;
  }

  /** Connects and completes the handshake with `secret`, as a real client would. */
  static async authenticated(address: RpcAddress, secret: ClusterSecret): Promise<RawPeer> {
    const peer = await RawPeer.connect(address);
    await waitFor(() => peer.frames.length >= 1 || peer.closed, 'HELLO');
    const hello = parseHello(decodeBody(peer.frames[0]!.body));
    if (hello === null || peer.frames[0]!.header.methodId !== HELLO_METHOD_ID) throw new Error('no HELLO');
    const nonce = newNonce();
    peer.socket.write(frameBytes(authRequestFrame(nonce, clientProof(secret, hello.nonce, nonce))));
    await waitFor(() => peer.frames.length >= 2 || peer.closed, 'AUTH response');
    const auth = peer.frames[1];
    if (auth === undefined || (auth.header.flags & FrameFlag.RESPONSE) === 0 || auth.header.status !== 0) throw new Error('handshake refused');
    peer.frames.length = 0;
    return peer;
  }

  write(bytes: Uint8Array): boolean {
    return this.socket.write(bytes);
  }

  /** Resolves once the socket closed. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }
}
