/**
 * Fault injection for the memory engine, the way 3FS's MemKV injects conflicts and "maybe committed" results, so
 * that code above the KV layer is tested against the failures FoundationDB produces. Switch it on and off at run
 * time with `MemoryKvEngine.setFaults`; pass a seeded `random` for reproducible runs.
 */
import { KvError } from '../errors.ts';

export interface MemoryKvFaults {
  /** Probability that a commit fails with KV_CONFLICT without being applied. */
  readonly conflictProbability?: number;
  /** Probability that a commit throws KV_COMMIT_UNKNOWN; it is applied or not, each with probability 1/2. */
  readonly commitUnknownProbability?: number;
  /** Probability that a read fails with KV_TOO_OLD. */
  readonly tooOldProbability?: number;
  /** Each read and commit first waits a random time up to this. */
  readonly maxDelayMs?: number;
  /** Uniform in [0, 1). Defaults to Math.random. */
  readonly random?: () => number;
}

/** What was injected so far; tests assert that faults really happened. */
export interface MemoryKvFaultCounts {
  conflicts: number;
  commitUnknownApplied: number;
  commitUnknownDropped: number;
  tooOld: number;
}

export type CommitFault = 'none' | 'conflict' | 'unknown-applied' | 'unknown-dropped';

export class FaultInjector {
  readonly counts: MemoryKvFaultCounts = { conflicts: 0, commitUnknownApplied: 0, commitUnknownDropped: 0, tooOld: 0 };
  private faults: MemoryKvFaults | null = null;

  set(faults: MemoryKvFaults | null): void {
    this.faults = faults;
  }

  async beforeRead(): Promise<void> {
    const f = this.faults;
    if (f === null) return;
    await this.delay(f);
    if (this.chance(f.tooOldProbability)) {
      this.counts.tooOld++;
      throw KvError.TOO_OLD('injected fault', { engine: 'memory' });
    }
  }

  /** Decides the fate of one commit, after an optional delay. */
  async beforeCommit(): Promise<CommitFault> {
    const f = this.faults;
    if (f === null) return 'none';
    await this.delay(f);
    if (this.chance(f.conflictProbability)) {
      this.counts.conflicts++;
      return 'conflict';
    }
    if (this.chance(f.commitUnknownProbability)) {
      const applied = this.chance(0.5);
      if (applied) this.counts.commitUnknownApplied++;
      else this.counts.commitUnknownDropped++;
      return applied ? 'unknown-applied' : 'unknown-dropped';
    }
    return 'none';
  }

  private chance(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.random() < p;
  }

  private random(): number {
    return (this.faults?.random ?? Math.random)();
  }

  private async delay(f: MemoryKvFaults): Promise<void> {
    if (f.maxDelayMs === undefined || f.maxDelayMs <= 0) return;
    const ms = this.random() * f.maxDelayMs;
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** A small seeded generator (mulberry32) for reproducible fault schedules and test workloads. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
