import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../errors.ts';
import { encodeBody } from './codec.ts';
import { decodeHeader, encodeHeader, FRAME_MAGIC, FrameFlag, HEADER_SIZE } from './frame.ts';
import type { OutgoingFrame } from './frame.ts';
import { FrameDecoder } from './frame-decoder.ts';
import { frameBytes, pattern } from './test-kit.ts';
import { crc32c } from '@node-rs/crc32';

const sample: OutgoingFrame = {
  flags: FrameFlag.RESPONSE,
  serviceId: 3,
  methodId: 7,
  status: 4002,
  requestId: 2 ** 53 - 1,
  timeoutMs: 1234,
  body: encodeBody({ hello: 'world' }),
  bulk: pattern(1000, 1),
};

/** Re-seals a header after a deliberate edit, so only the edited field is wrong. */
function reseal(header: Buffer): Buffer {
  header.writeUInt32BE(crc32c(header.subarray(0, HEADER_SIZE - 4)), HEADER_SIZE - 4);
  return header;
}

function decodeAll(bytes: Buffer, chunkSize: number, maxFrameSize = 1 << 20): ReturnType<FrameDecoder['next']>[] {
  const decoder = new FrameDecoder(maxFrameSize);
  const out = [];
  for (let i = 0; i < bytes.length; i += chunkSize) {
    decoder.push(bytes.subarray(i, i + chunkSize));
    for (let f = decoder.next(); f !== null; f = decoder.next()) out.push(f);
  }
  assert.equal(decoder.bufferedBytes, 0);
  return out;
}

test('a header round-trips every field, including a request id of 2^53 - 1', () => {
  const header = decodeHeader(encodeHeader(sample), 1 << 20);
  assert.deepEqual(
    { ...header, bodyCrc: 0, bulkCrc: 0 },
    { flags: FrameFlag.RESPONSE | FrameFlag.HAS_BULK, serviceId: 3, methodId: 7, status: 4002, requestId: 2 ** 53 - 1, timeoutMs: 1234, bodyLength: sample.body.length, bulkLength: 1000, bodyCrc: 0, bulkCrc: 0 },
  );
  assert.equal(encodeHeader(sample).readUInt32BE(0), FRAME_MAGIC);
});

test('the decoder yields identical frames whatever the chunking, byte by byte included', () => {
  const frames = [sample, { ...sample, bulk: null, requestId: 1 }, { ...sample, body: Buffer.alloc(0), bulk: Buffer.alloc(0), requestId: 2 }];
  const stream = Buffer.concat(frames.map(frameBytes));
  for (const size of [1, 7, 48, 49, 333, stream.length]) {
    const out = decodeAll(stream, size);
    assert.equal(out.length, 3, `chunk size ${size}`);
    assert.deepEqual(out.map((f) => f!.header.requestId), [2 ** 53 - 1, 1, 2]);
    assert.ok(out[0]!.bulk!.equals(sample.bulk!));
    assert.equal(out[1]!.bulk, null);
    assert.equal(out[2]!.bulk!.length, 0);
    assert.ok(out[0]!.body.equals(sample.body));
  }
});

test('every framing violation is RPC_BAD_FRAME with its reason', () => {
  const good = frameBytes(sample);
  const cases: [string, (b: Buffer) => Buffer, RegExp][] = [
    ['magic', (b) => (b.writeUInt32BE(0xdeadbeef, 0), b), /bad magic/],
    ['header crc', (b) => (b.writeUInt8(b.readUInt8(9) ^ 1, 9), b), /header checksum/],
    ['version', (b) => (b.writeUInt8(9, 4), reseal(b)), /unsupported version/],
    ['flags', (b) => (b.writeUInt8(0x80 | 0x02, 5), reseal(b)), /unknown flags/],
    ['reserved', (b) => (b.writeUInt16BE(1, 10), reseal(b)), /reserved/],
    ['request id', (b) => (b.writeUInt32BE(0x0020_0000, 16), reseal(b)), /request id/],
    ['bulk without flag', (b) => (b.writeUInt8(0, 5), reseal(b)), /bulk length without/],
    ['huge length', (b) => (b.writeUInt32BE(0xffff_ffff, 28), reseal(b)), /exceeds the maximum/],
    ['body crc', (b) => (b.writeUInt8(b.readUInt8(HEADER_SIZE) ^ 0x40, HEADER_SIZE), b), /body checksum/],
    ['bulk crc', (b) => (b.writeUInt8(b.readUInt8(b.length - 1) ^ 1, b.length - 1), b), /bulk checksum/],
  ];
  for (const [name, mutate, reason] of cases) {
    const decoder = new FrameDecoder(1 << 20);
    decoder.push(mutate(Buffer.from(good)));
    assert.throws(() => decoder.next(), (err: unknown) => hasCode(err, 'RPC_BAD_FRAME') && reason.test(err.message), name);
  }
});

test('a frame above the maximum size is refused from its header, before any payload arrives', () => {
  const decoder = new FrameDecoder(4096);
  decoder.push(encodeHeader({ ...sample, bulk: Buffer.alloc(8192) }));
  assert.throws(() => decoder.next(), /exceeds the maximum 4096/);
});

test('a large bulk is gathered into one buffer as it streams in', () => {
  const bulk = pattern(3 * 1024 * 1024 + 5, 9);
  const out = decodeAll(frameBytes({ ...sample, bulk }), 65536, 8 * 1024 * 1024);
  assert.equal(out.length, 1);
  assert.ok(out[0]!.bulk!.equals(bulk));
});

test('transient chunks (one read buffer, overwritten after every push) yield the same frames', () => {
  const frames = [sample, { ...sample, bulk: null, requestId: 1 }, { ...sample, bulk: pattern(200_000, 3), requestId: 2 }];
  const stream = Buffer.concat(frames.map(frameBytes));
  for (const size of [1, 47, 4096, 65536, stream.length]) {
    const decoder = new FrameDecoder(1 << 20);
    const readBuffer = Buffer.alloc(size);
    const out = [];
    for (let i = 0; i < stream.length; i += size) {
      const n = stream.copy(readBuffer, 0, i, i + size);
      decoder.push(readBuffer.subarray(0, n), true);
      // Dispatch only every other read, as a paused owner would: the rest must survive the buffer's reuse.
      if ((i / size) % 2 === 1) for (let f = decoder.next(); f !== null; f = decoder.next()) out.push(f);
      decoder.retain();
      readBuffer.fill(0xee);
    }
    for (let f = decoder.next(); f !== null; f = decoder.next()) out.push(f);
    assert.deepEqual(out.map((f) => f.header.requestId), [2 ** 53 - 1, 1, 2], `read size ${size}`);
    assert.ok(out[0]!.body.equals(sample.body) && out[0]!.bulk!.equals(sample.bulk!), `read size ${size}`);
    assert.ok(out[2]!.bulk!.equals(pattern(200_000, 3)), `read size ${size}`);
    assert.equal(decoder.bufferedBytes, 0);
  }
});

test('a bulk goes into the destination its receiver chose, and one it gave up midway is skipped, never written', () => {
  const bulk = pattern(300_000, 5);
  const stream = frameBytes({ ...sample, bulk });
  const into = Buffer.alloc(400_000, 0x11);
  let wanted = true;
  const decoder = new FrameDecoder(1 << 20, (header) => (header.requestId === sample.requestId ? { bytes: into, wanted: () => wanted } : null));
  decoder.push(stream.subarray(0, 100_000));
  assert.equal(decoder.next(), null);
  decoder.push(stream.subarray(100_000));
  const frame = decoder.next()!;
  assert.ok(frame.bulk!.equals(bulk));
  assert.equal(frame.bulk!.buffer, into.buffer, 'the bulk is a view of the destination');
  assert.equal(into[300_000], 0x11, 'nothing written past the bulk');

  into.fill(0x22);
  const again = new FrameDecoder(1 << 20, () => ({ bytes: into, wanted: () => wanted }));
  wanted = true;
  again.push(stream.subarray(0, 150_000));
  assert.equal(again.next(), null);
  wanted = false; // the call timed out: its caller may reuse the buffer from here on
  const before = Buffer.from(into);
  again.push(stream.subarray(150_000));
  const dropped = again.next()!;
  assert.equal(dropped.discarded, true);
  assert.equal(dropped.bulk, null);
  assert.ok(into.equals(before), 'no byte went into the buffer after it was given up');

  const small = Buffer.alloc(10);
  const fallback = new FrameDecoder(1 << 20, () => ({ bytes: small, wanted: () => true }));
  fallback.push(stream);
  assert.ok(fallback.next()!.bulk!.equals(bulk), 'a destination too small is not used');
});
