import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CATALOGUE, FirepondError, hasCode, NON_RETRYABLE_CODES, PipelineError } from './errors.ts';

test('catalogue numbers are unique and sit in their subsystem range', () => {
  const nums = Object.values(ERROR_CATALOGUE).map((e) => e.num);
  assert.equal(new Set(nums).size, nums.length);
  const ranges: Record<string, [number, number]> = {
    KV_: [1000, 1999], RPC_: [2000, 2999], META_: [3000, 3999], STORAGE_: [4000, 4999], MGMTD_: [5000, 5999], PIPELINE_: [6000, 6999],
  };
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    const prefix = Object.keys(ranges).find((p) => code.startsWith(p));
    const [lo, hi] = prefix === undefined ? [100, 999] : ranges[prefix]!;
    assert.ok(entry.num >= lo && entry.num <= hi, `${code} = ${entry.num}`);
  }
});

test('factories carry code, retryability, errno and context; instanceof survives a foreign copy', () => {
  const err = PipelineError.PARTITION_KEY_OUT_OF_RANGE('10', 10);
  assert.equal(err.message, 'partition key 10 is out of range 0-9');
  assert.equal(err.code, 'PIPELINE_PARTITION_KEY_OUT_OF_RANGE');
  assert.equal(err.retryable, false);
  assert.equal(err.errno, 'ERANGE');
  assert.deepEqual(err.context, { key: '10', npartitions: 10 });
  assert.ok(hasCode(err, 'PIPELINE_PARTITION_KEY_OUT_OF_RANGE'));
  // A structurally branded object from another copy of the module still counts.
  const foreign = Object.defineProperty(new Error('x'), Symbol.for('firepond.error'), { value: true });
  assert.ok(foreign instanceof FirepondError);
  assert.ok(!(new Error('plain') instanceof FirepondError));
});

test('non-retryable codes are exactly the catalogue entries marked so', () => {
  assert.ok(NON_RETRYABLE_CODES.includes('PIPELINE_BAD_SQL'));
  assert.ok(!NON_RETRYABLE_CODES.includes('PIPELINE_OUT_OF_MEMORY'));
  assert.ok(!NON_RETRYABLE_CODES.includes('KV_CONFLICT'));
});
