import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import type { ChainTable } from '../routing/types.ts';
import { chainIdOfChunk, chunkIndexAt, fileChainIds } from './file-layout.ts';
import type { FileLayout } from './file-layout.ts';

const TABLE: ChainTable = { chainTableId: 1, version: 3, chains: [101, 102, 103, 104, 105, 106, 107, 108, 109, 110] };
const LAYOUT: FileLayout = { chainTableId: 1, tableVersion: 3, chunkSize: 1 << 20, stripe: 5, baseIndex: 7, seed: 42 };

const invalid = (err: unknown): boolean => hasCode(err, 'INVALID_ARGUMENT');

test('a file takes chains[(baseIndex + perm(k)) mod size] for k < stripe', () => {
  // perm(42, 5) = [1, 2, 0, 4, 3]; base 7 over 10 chains gives indexes 8, 9, 7, 1, 0.
  assert.deepEqual(fileChainIds(LAYOUT, TABLE), [109, 110, 108, 102, 101]);
});

test('chunk i lives on the file chain i mod stripe', () => {
  // 2^32 − 1 is a multiple of 5, so the last possible chunk sits with chunk 0.
  const chains = fileChainIds(LAYOUT, TABLE);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 12, 0xffff_ffff].map((i) => chainIdOfChunk(chains, i)), [109, 110, 108, 102, 101, 109, 108, 109]);
  assert.throws(() => chainIdOfChunk(chains, 2 ** 32), invalid);
  assert.throws(() => chainIdOfChunk(chains, -1), invalid);
});

test('a stripe as wide as the table uses every chain once', () => {
  const chains = fileChainIds({ ...LAYOUT, stripe: 10, baseIndex: 123 }, TABLE);
  assert.deepEqual([...chains].sort((a, b) => a - b), TABLE.chains);
});

test('the layout must name the very table version it pins', () => {
  assert.throws(() => fileChainIds(LAYOUT, { ...TABLE, version: 4 }), invalid);
  assert.throws(() => fileChainIds(LAYOUT, { ...TABLE, chainTableId: 2 }), invalid);
});

test('bad layouts are refused', () => {
  for (const bad of [{ stripe: 0 }, { stripe: 11 }, { baseIndex: -1 }, { baseIndex: 0.5 }, { chunkSize: 3000 }, { chunkSize: 0 }, { seed: -1 }]) {
    assert.throws(() => fileChainIds({ ...LAYOUT, ...bad }, TABLE), invalid, JSON.stringify(bad));
  }
});

test('chunkIndexAt divides by the chunk size and keeps indexes in u32', () => {
  const mib = 1 << 20;
  assert.deepEqual([0, mib - 1, mib, 5 * mib + 17].map((o) => chunkIndexAt(LAYOUT, o)), [0, 0, 1, 5]);
  assert.equal(chunkIndexAt(LAYOUT, (2 ** 32 - 1) * mib), 0xffff_ffff);
  assert.throws(() => chunkIndexAt(LAYOUT, 2 ** 32 * mib), invalid);
  assert.throws(() => chunkIndexAt(LAYOUT, -1), invalid);
  assert.throws(() => chunkIndexAt({ ...LAYOUT, chunkSize: 2 ** 31 }, 0), invalid);
});
