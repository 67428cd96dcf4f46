/**
 * The memory engine's data: a multi-version ordered map plus a log of which ranges each recent commit wrote.
 *
 *   key -> [(v3, "a"), (v7, null), (v9, "b")]     reading at v8 sees null (absent), at v9+ sees "b"
 *   log:  v8 wrote [x, x\0)   v9 wrote [k, k\0) [p, q)
 *
 * A transaction that read at version r commits only if no log entry after r wrote into its read-conflict set.
 * Entries older than the retention are dropped together with versions no reader can still need; a read version
 * older than what was dropped is answered with KV_TOO_OLD.
 */
import { KvError } from '../errors.ts';
import type { KeyRange } from './key-order.ts';
import { applyMutations } from './mutations.ts';
import type { Mutation, MutationTarget } from './mutations.ts';
import { RangeSet } from './range-set.ts';
import { SortedKeyMap } from './sorted-map.ts';
import type { Direction } from './sorted-map.ts';
import type { Bytes, KeyValue } from './types.ts';
import { versionstampOf } from './versionstamp.ts';

interface Version {
  readonly version: bigint;
  readonly value: Buffer | null;
}

interface LogEntry {
  readonly version: bigint;
  readonly committedAt: number;
  readonly writes: readonly KeyRange[];
}

export class MemoryStore {
  /** Number of commits so far; the read version of a new snapshot. */
  version = 0n;
  /** Versions at or below this may have been compacted away. */
  private prunedThrough = 0n;
  private readonly data = new SortedKeyMap<Version[]>();
  private readonly log: LogEntry[] = [];

  constructor(private readonly retentionMs: number) {}

  read(key: Bytes, at: bigint): Buffer | null {
    this.checkReadable(at);
    const versions = this.data.get(key);
    const value = versions === undefined ? null : valueAt(versions, at);
    return value === null ? null : Buffer.from(value);
  }

  *range(begin: Bytes, end: Bytes, direction: Direction, at: bigint): Generator<KeyValue> {
    this.checkReadable(at);
    for (const [key, versions] of this.data.range(begin, end, direction)) {
      // A lazy reader may resume after commits that pruned past its version.
      this.checkReadable(at);
      const value = valueAt(versions, at);
      if (value !== null) yield { key: Buffer.from(key), value: Buffer.from(value) };
    }
  }

  /** Throws KV_CONFLICT when a commit after `readVersion` wrote into `readConflicts`. */
  validate(readVersion: bigint, readConflicts: RangeSet): void {
    this.checkReadable(readVersion);
    for (let i = this.firstLogIndexAfter(readVersion); i < this.log.length; i++) {
      const entry = this.log[i]!;
      if (readConflicts.intersectsAny(entry.writes)) {
        throw KvError.CONFLICT(`a read range was written by commit ${entry.version} after read version ${readVersion}`);
      }
    }
  }

  /** Applies a validated commit; returns its version, or null when it writes nothing. */
  apply(mutations: readonly Mutation[], writeConflicts: RangeSet, now: number): bigint | null {
    if (mutations.length === 0 && writeConflicts.isEmpty) return null;
    const version = this.version + 1n;
    const written = new RangeSet();
    for (const r of writeConflicts.toArray()) written.add(r.begin, r.end);
    applyMutations(mutations, this.targetAt(version), versionstampOf(version), written);
    this.version = version;
    this.log.push({ version, committedAt: now, writes: written.toArray() });
    this.prune(now);
    return version;
  }

  private targetAt(version: bigint): MutationTarget {
    const write = (key: Buffer, value: Buffer | null): void => {
      const versions = this.data.get(key);
      if (versions === undefined) {
        if (value !== null) this.data.set(Buffer.from(key), [{ version, value }]);
        return;
      }
      const last = versions[versions.length - 1]!;
      if (last.version === version) versions[versions.length - 1] = { version, value };
      else if (last.value !== null || value !== null) versions.push({ version, value });
    };
    return {
      get: (key) => {
        const versions = this.data.get(key);
        return versions === undefined ? null : versions[versions.length - 1]!.value;
      },
      put: (key, value) => write(key, value),
      remove: (key) => write(key, null),
      removeRange: (begin, end) => {
        const keys = [...this.data.range(begin, end)].map(([key]) => key);
        for (const key of keys) write(key, null);
      },
    };
  }

  /** Drops log entries past the retention and the versions that only readers older than them could see. */
  private prune(now: number): void {
    let drop = 0;
    while (drop < this.log.length && this.log[drop]!.committedAt < now - this.retentionMs) drop++;
    if (drop === 0) return;
    const dropped = this.log.splice(0, drop);
    this.prunedThrough = dropped[dropped.length - 1]!.version;
    for (const entry of dropped) {
      for (const r of entry.writes) this.compact(r);
    }
  }

  /** For each key in `r`, keeps the newest version at or below `prunedThrough` and everything after it. */
  private compact(r: KeyRange): void {
    const emptied: Buffer[] = [];
    for (const [key, versions] of this.data.range(r.begin, r.end)) {
      let base = 0;
      while (base + 1 < versions.length && versions[base + 1]!.version <= this.prunedThrough) base++;
      if (base > 0) versions.splice(0, base);
      if (versions.length === 1 && versions[0]!.value === null && versions[0]!.version <= this.prunedThrough) emptied.push(key);
    }
    for (const key of emptied) this.data.delete(key);
  }

  private checkReadable(at: bigint): void {
    if (at < this.prunedThrough) {
      throw KvError.TOO_OLD(`read version ${at} is older than the retained history (from ${this.prunedThrough})`, {
        engine: 'memory',
      });
    }
  }

  private firstLogIndexAfter(version: bigint): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.version <= version) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function valueAt(versions: readonly Version[], at: bigint): Buffer | null {
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i]!;
    if (v.version <= at) return v.value;
  }
  return null;
}
