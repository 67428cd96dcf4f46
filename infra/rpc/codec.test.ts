import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirepondError, hasCode, RpcError } from '../errors.ts';
import { decodeBody, encodeBody, joinBulk, splitBulk } from './codec.ts';
import { decodeError, encodeError } from './wire-error.ts';

test('bodies round-trip bigints (also above 64 bits), numbers, nulls, nesting and inline bytes', () => {
  const value = {
    id: 2n ** 63n - 1n,
    negative: -42n,
    huge: 2n ** 100n + 7n,
    big: 2 ** 40,
    float: 1.5,
    none: null,
    text: 'ünïcode',
    list: [1, 'two', { three: 3 }],
    bytes: new Uint8Array([1, 2, 3]),
  };
  const out = decodeBody(encodeBody(value)) as typeof value;
  assert.equal(out.id, value.id);
  assert.equal(out.negative, -42n);
  assert.equal(out.huge, value.huge);
  assert.equal(out.big, 2 ** 40);
  assert.equal(typeof out.big, 'number');
  assert.deepEqual({ ...out, bytes: [...out.bytes] }, { ...value, bytes: [1, 2, 3] });
});

test('truncated bodies and trailing bytes are RPC_BAD_FRAME', () => {
  const body = encodeBody({ a: 'hello', b: [1, 2, 3] });
  assert.throws(() => decodeBody(body.subarray(0, body.length - 2)), (e: unknown) => hasCode(e, 'RPC_BAD_FRAME'));
  assert.throws(() => decodeBody(Buffer.concat([body, Buffer.from([1])])), (e: unknown) => hasCode(e, 'RPC_BAD_FRAME'));
});

test('the bulk field leaves the body untouched by the codec and comes back in place', () => {
  const data = Buffer.from('chunk bytes');
  const { body, bulk } = splitBulk({ name: 'x', data }, 'data');
  assert.equal(bulk, data, 'the same bytes, not a copy');
  assert.deepEqual(decodeBody(body), { name: 'x' });
  assert.deepEqual(joinBulk(decodeBody(body), 'data', Buffer.from(data)), { name: 'x', data });
  assert.equal(splitBulk({ name: 'x', data: null }, 'data').bulk, null);
  assert.deepEqual(joinBulk({ name: 'x' }, 'data', null), { name: 'x', data: null });
  assert.throws(() => splitBulk({ data: 'not bytes' }, 'data'), (e: unknown) => hasCode(e, 'INVALID_ARGUMENT'));
  assert.throws(() => joinBulk({}, null, Buffer.alloc(1)), (e: unknown) => hasCode(e, 'RPC_BAD_FRAME'));
  assert.throws(() => joinBulk(5, 'data', null), (e: unknown) => hasCode(e, 'RPC_BAD_FRAME'));
});

test('errors cross the wire with their code, message and context; others become INTERNAL', () => {
  const original = new FirepondError('META_NOT_FOUND', 'no such file: /a', { context: { path: '/a' } });
  const { status, body } = encodeError(original);
  assert.equal(status, 3000);
  const back = decodeError(status, body, '127.0.0.1:1');
  assert.ok(back instanceof FirepondError);
  assert.equal(back.code, 'META_NOT_FOUND');
  assert.equal(back.message, 'no such file: /a');
  assert.deepEqual(back.context, { path: '/a', remote: '127.0.0.1:1' });

  const plain = encodeError(new TypeError('boom'));
  assert.equal(decodeError(plain.status, plain.body, 'p').code, 'INTERNAL');
  assert.equal(decodeError(plain.status, plain.body, 'p').message, 'boom');

  const uncodable = encodeError(new FirepondError('INTERNAL', 'x', { context: { fn: () => 1, sym: Symbol('s') } }));
  assert.equal(decodeError(uncodable.status, uncodable.body, 'p').message, 'x');

  const unknown = decodeError(65000, Buffer.from([0xc1]), 'p');
  assert.equal(unknown.code, 'INTERNAL');
  assert.match(unknown.message, /unknown error code 65000/);
  assert.equal(RpcError.TIMEOUT('s.m', 'p', 5).code, 'RPC_TIMEOUT');
});
