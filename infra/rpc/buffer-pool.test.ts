import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignedCapacity, BufferPool, leaseOf, POOL_ALIGNMENT } from './buffer-pool.ts';

test('a released buffer is handed out again, as a new view of exactly the asked length', () => {
  const pool = new BufferPool();
  const a = pool.acquire(1000_000);
  assert.equal(a.bytes.length, 1000_000);
  a.bytes.fill(1);
  const idleWhileHeld = pool.idle; // the rest of the new memory's pieces wait in the pool
  a.release();
  a.release(); // a second release does nothing
  assert.equal(pool.idle, idleWhileHeld + 1024 * 1024);
  const b = pool.acquire(700_000);
  assert.equal(b.bytes.length, 700_000);
  assert.ok(b.bytes.buffer === a.bytes.buffer && b.bytes.byteOffset === a.bytes.byteOffset, 'the released piece comes back first');
  assert.notEqual(b.bytes, a.bytes, 'a new view, so per-object caches keyed by the old one do not carry over');
  const c = pool.acquire(700_000);
  assert.ok(c.bytes.buffer !== b.bytes.buffer || c.bytes.byteOffset !== b.bytes.byteOffset, 'a piece in use is never handed out twice');
});

test('the pool keeps at most its idle limit and does not pool oversized requests', () => {
  const pool = new BufferPool({ maxIdleBytes: 2 * 1024 * 1024, maxPooledBytes: 4 * 1024 * 1024 });
  const leases = Array.from({ length: 4 }, () => pool.acquire(1024 * 1024));
  for (const lease of leases) lease.release();
  assert.equal(pool.idle, 2 * 1024 * 1024);
  const big = pool.acquire(5 * 1024 * 1024);
  big.release();
  assert.equal(pool.idle, 2 * 1024 * 1024);
  assert.equal(pool.acquire(10).bytes.length, 10);
});

test('a lease goes back only when every holder released it, and each holder releases once', () => {
  const pool = new BufferPool();
  const lease = pool.acquire(100_000);
  const base = pool.idle;
  assert.equal(leaseOf(lease.bytes), lease);
  assert.equal(leaseOf(lease.bytes.subarray(0)), undefined, 'only the view handed out names the lease');
  const releaseHold = lease.retain();
  lease.release();
  lease.release(); // the acquirer's second release must not drop the other holder's hold
  assert.equal(pool.idle, base, 'one holder left');
  releaseHold();
  assert.equal(pool.idle, base + 128 * 1024);
  lease.retain()(); // too late: nothing happens
  releaseHold();
  assert.equal(pool.idle, base + 128 * 1024);
});

test('pooled buffers are aligned for direct I/O; other buffers and views are not', () => {
  const pool = new BufferPool();
  const lease = pool.acquire(3000);
  const other = pool.acquire(3000);
  assert.equal(alignedCapacity(lease.bytes), 64 * 1024);
  assert.equal(lease.bytes.byteOffset % POOL_ALIGNMENT, 0);
  assert.equal(other.bytes.byteOffset % POOL_ALIGNMENT, 0);
  assert.equal(alignedCapacity(lease.bytes.subarray(0)), null, 'a view of it is not the lease');
  assert.equal(alignedCapacity(Buffer.allocUnsafeSlow(POOL_ALIGNMENT)), null, 'a plain buffer of the right size is not');
});
