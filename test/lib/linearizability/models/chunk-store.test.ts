import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOperations } from '../check.ts';
import type { Operation } from '../history.ts';
import { chunkStoreModel } from './chunk-store.ts';
import type { ChunkInput, ChunkOutput } from './chunk-store.ts';

type ChunkOp = Operation<ChunkInput, ChunkOutput>;

function write(clientId: number, call: number, ret: number, chunkId: string, content: string): ChunkOp {
  return { clientId, input: { op: 'write', chunkId, content }, output: { op: 'write' }, call, return: ret };
}

function read(clientId: number, call: number, ret: number, chunkId: string, seen: string): ChunkOp {
  const output: ChunkOutput =
    seen === 'not-found' || seen === 'not-committed' ? { op: 'read', status: seen } : { op: 'read', status: 'found', content: seen };
  return { clientId, input: { op: 'read', chunkId }, output, call, return: ret };
}

function verdict(history: ChunkOp[]): string {
  return checkOperations(chunkStoreModel(), history).result;
}

describe('linearizability: chunk store model', () => {
  it('answers not-found before the first write', () => {
    assert.equal(verdict([read(0, 0, 1, 'c', 'not-found'), write(0, 2, 3, 'c', 'v1'), read(1, 4, 5, 'c', 'v1')]), 'ok');
    assert.equal(verdict([write(0, 0, 1, 'c', 'v1'), read(1, 2, 3, 'c', 'not-found')]), 'illegal');
  });

  it('treats a not-committed read as carrying no information', () => {
    const history = [write(0, 0, 1, 'c', 'v1'), read(1, 2, 3, 'c', 'not-committed'), read(1, 4, 5, 'c', 'v1')];
    assert.equal(verdict(history), 'ok');
    assert.equal(verdict([read(1, 0, 1, 'c', 'not-committed')]), 'ok');
  });

  it('checks chunks independently', () => {
    // Each chunk's history is fine alone; reading a's content from b is not.
    const history = [
      write(0, 0, 10, 'a', 'a1'), write(1, 0, 10, 'b', 'b1'),
      read(2, 5, 6, 'a', 'not-found'), read(2, 7, 8, 'b', 'b1'), read(3, 11, 12, 'a', 'a1'),
    ];
    assert.equal(verdict(history), 'ok');
    const r = checkOperations(chunkStoreModel(), [...history, read(3, 13, 14, 'b', 'a1')]);
    assert.equal(r.result, 'illegal');
    assert.ok(r.illegalPartition?.every((op) => op.input.chunkId === 'b'));
  });

  it('rejects a stale read after a newer write completed', () => {
    const history = [write(0, 0, 1, 'c', 'v1'), write(0, 2, 3, 'c', 'v2'), read(1, 4, 5, 'c', 'v1')];
    assert.equal(verdict(history), 'illegal');
  });

  it('accepts a pending write that some readers see and others do not yet', () => {
    const pending: ChunkOp = { clientId: 0, input: { op: 'write', chunkId: 'c', content: 'v1' }, output: { op: 'unknown' }, call: 0, return: Infinity };
    assert.equal(verdict([pending, read(1, 1, 2, 'c', 'not-found'), read(1, 3, 4, 'c', 'v1')]), 'ok');
    assert.equal(verdict([pending, read(1, 1, 2, 'c', 'v1'), read(1, 3, 4, 'c', 'not-found')]), 'illegal');
  });
});
