/**
 * The checker against the brute-force oracle on random tiny histories, and on large histories from a correct
 * simulated chunk store (which must check 'ok', and 'illegal' once one read is corrupted).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLinearizableByBruteForce } from './brute-force.ts';
import { checkOperations } from './check.ts';
import type { Model } from './model.ts';
import { chunkStoreModel } from './models/chunk-store.ts';
import type { ChunkInput, ChunkOutput } from './models/chunk-store.ts';
import { registerModel } from './models/register.ts';
import { randomChunkHistory, randomRegisterHistory, seededRandom, simulateChunkStore } from './random-history.ts';

/**
 * The chunk store over all chunks at once (state: chunk id → content), without partitioning, so the cross-check
 * also tests that partitioning by chunk gives the same answer as checking the whole history.
 */
function wholeStoreModel(): Model<ReadonlyMap<string, string | null>, ChunkInput, ChunkOutput> {
  const single = chunkStoreModel();
  return {
    init: () => new Map(),
    step(state, input, output) {
      const r = single.step(state.get(input.chunkId) ?? null, input, output);
      if (!r.ok || r.state === (state.get(input.chunkId) ?? null)) return { ok: r.ok, state };
      return { ok: true, state: new Map(state).set(input.chunkId, r.state) };
    },
    equal: (a, b) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v),
  };
}

const CASES = 300;

describe('linearizability: random cross-check against brute force', () => {
  it('agrees on random register histories of up to 7 operations', () => {
    const tally = { ok: 0, illegal: 0 };
    for (let seed = 1; seed <= CASES; seed++) {
      const rand = seededRandom(seed);
      const history = randomRegisterHistory(rand, 1 + Math.floor(rand() * 7));
      const expected = isLinearizableByBruteForce(registerModel(), history) ? 'ok' : 'illegal';
      assert.equal(checkOperations(registerModel(), history).result, expected, `seed ${seed}: ${JSON.stringify(history)}`);
      tally[expected]++;
    }
    // Both verdicts must be well represented, or the cross-check proves little.
    assert.ok(tally.ok > CASES / 10 && tally.illegal > CASES / 10, JSON.stringify(tally));
  });

  it('agrees on random two-chunk histories of up to 7 operations, checked by partition', () => {
    const tally = { ok: 0, illegal: 0 };
    for (let seed = 1; seed <= CASES; seed++) {
      const rand = seededRandom(1_000_000 + seed);
      const history = randomChunkHistory(rand, 1 + Math.floor(rand() * 7));
      const expected = isLinearizableByBruteForce(wholeStoreModel(), history) ? 'ok' : 'illegal';
      assert.equal(checkOperations(chunkStoreModel(), history).result, expected, `seed ${seed}: ${JSON.stringify(history)}`);
      assert.equal(checkOperations(wholeStoreModel(), history).result, expected, `seed ${seed} unpartitioned`);
      tally[expected]++;
    }
    assert.ok(tally.ok > CASES / 10 && tally.illegal > CASES / 10, JSON.stringify(tally));
  });
});

describe('linearizability: large simulated histories', () => {
  const config = { clients: 10, opsPerClient: 200, chunks: 20 };

  it('accepts 2,000 operations on 20 chunks from a correct store', () => {
    for (const seed of [1, 2, 3]) {
      const history = simulateChunkStore(seededRandom(seed), config);
      assert.ok(history.length > 1_500, `seed ${seed}: ${history.length} operations`);
      assert.equal(checkOperations(chunkStoreModel(), history).result, 'ok', `seed ${seed}`);
    }
  });

  it('rejects the same history with one read corrupted', () => {
    const history = simulateChunkStore(seededRandom(1), config);
    const victim = history.findIndex((op, i) => i > history.length / 2 && op.output.op === 'read' && op.output.status === 'found');
    const op = history[victim]!;
    const corrupted = [...history];
    corrupted[victim] = { ...op, output: { op: 'read', status: 'found', content: 'never-written' } };
    const r = checkOperations(chunkStoreModel(), corrupted);
    assert.equal(r.result, 'illegal');
    assert.ok(r.illegalPartition?.includes(corrupted[victim]!));
  });
});
