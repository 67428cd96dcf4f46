/**
 * Seeded random histories for the checker's tests: tiny arbitrary ones (mostly wrong answers, to exercise both
 * verdicts against the brute-force oracle) and large ones from a correct simulation (which must check 'ok').
 */
import type { Operation } from './history.ts';
import type { ChunkInput, ChunkOutput } from './models/chunk-store.ts';
import type { RegisterInput, RegisterOutput } from './models/register.ts';

/** mulberry32: a small seeded PRNG, so every failure reproduces from its seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInt(rand: () => number, below: number): number {
  return Math.floor(rand() * below);
}

/** Integer call and return times (so ties happen), about one in ten operations pending. */
function randomInterval(rand: () => number): { call: number; return: number } {
  const call = randomInt(rand, 10);
  return { call, return: rand() < 0.1 ? Infinity : call + randomInt(rand, 6) };
}

/** Writes of 1..3 and reads answering 0..3 at random, on one register that starts at 0. */
export function randomRegisterHistory(rand: () => number, ops: number): Operation<RegisterInput, RegisterOutput>[] {
  return Array.from({ length: ops }, () => {
    const t = randomInterval(rand);
    const clientId = randomInt(rand, 4);
    const pending = t.return === Infinity;
    if (rand() < 0.5) {
      const input: RegisterInput = { op: 'write', value: 1 + randomInt(rand, 3) };
      return { clientId, input, output: pending ? { op: 'unknown' } : { op: 'write' }, ...t };
    }
    const output: RegisterOutput = pending ? { op: 'unknown' } : { op: 'read', value: randomInt(rand, 4) };
    return { clientId, input: { op: 'read' }, output, ...t };
  });
}

/** Writes and reads over chunks a and b, with contents x/y and every read status. */
export function randomChunkHistory(rand: () => number, ops: number): Operation<ChunkInput, ChunkOutput>[] {
  return Array.from({ length: ops }, () => {
    const t = randomInterval(rand);
    const clientId = randomInt(rand, 4);
    const chunkId = rand() < 0.5 ? 'a' : 'b';
    const pending = t.return === Infinity;
    if (rand() < 0.45) {
      const input: ChunkInput = { op: 'write', chunkId, content: rand() < 0.5 ? 'x' : 'y' };
      return { clientId, input, output: pending ? { op: 'unknown' } : { op: 'write' }, ...t };
    }
    const roll = rand();
    const output: ChunkOutput = pending
      ? { op: 'unknown' }
      : roll < 0.2
        ? { op: 'read', status: 'not-found' }
        : roll < 0.3
          ? { op: 'read', status: 'not-committed' }
          : { op: 'read', status: 'found', content: roll < 0.65 ? 'x' : 'y' };
    return { clientId, input: { op: 'read', chunkId }, output, ...t };
  });
}

export interface SimulationConfig {
  readonly clients: number;
  readonly opsPerClient: number;
  readonly chunks: number;
}

/**
 * A correct chunk store under concurrent clients: each operation takes effect atomically at a random instant
 * between its call and its return, and reads answer what the store held at that instant (now and then
 * not-committed). Each client issues its operations one after another; one in a hundred clients crashes mid-way,
 * leaving its last operation pending (a pending write took effect or not, at random).
 */
export function simulateChunkStore(rand: () => number, config: SimulationConfig): Operation<ChunkInput, ChunkOutput>[] {
  interface Planned {
    readonly clientId: number;
    readonly input: ChunkInput;
    readonly call: number;
    readonly effect: number;
    readonly return: number;
    readonly takesEffect: boolean;
  }
  const planned: Planned[] = [];
  let version = 0;
  for (let clientId = 0; clientId < config.clients; clientId++) {
    let now = rand() * 5;
    const crashAt = rand() < 0.01 * config.clients ? randomInt(rand, config.opsPerClient) : -1;
    for (let i = 0; i < config.opsPerClient; i++) {
      const chunkId = `chunk-${randomInt(rand, config.chunks)}`;
      const input: ChunkInput = rand() < 0.4 ? { op: 'write', chunkId, content: `v${version++}` } : { op: 'read', chunkId };
      const call = now;
      const effect = call + rand() * 4;
      const crashed = i === crashAt;
      const ret = crashed ? Infinity : effect + rand() * 4;
      planned.push({ clientId, input, call, effect, return: ret, takesEffect: !crashed || rand() < 0.5 });
      if (crashed) break;
      now = ret + rand() * 2;
    }
  }

  const store = new Map<string, string>();
  const ops: Operation<ChunkInput, ChunkOutput>[] = [];
  for (const p of [...planned].sort((a, b) => a.effect - b.effect)) {
    let output: ChunkOutput;
    if (p.return === Infinity) {
      output = { op: 'unknown' };
      if (p.takesEffect && p.input.op === 'write') store.set(p.input.chunkId, p.input.content);
    } else if (p.input.op === 'write') {
      store.set(p.input.chunkId, p.input.content);
      output = { op: 'write' };
    } else {
      const content = store.get(p.input.chunkId);
      output =
        rand() < 0.05
          ? { op: 'read', status: 'not-committed' }
          : content === undefined
            ? { op: 'read', status: 'not-found' }
            : { op: 'read', status: 'found', content };
    }
    ops.push({ clientId: p.clientId, input: p.input, output, call: p.call, return: p.return });
  }
  return ops.sort((a, b) => a.call - b.call);
}
