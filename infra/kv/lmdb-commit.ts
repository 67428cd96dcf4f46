/**
 * The LMDB engine's commit, run inside one LMDB write transaction. LMDB admits one writer at a time across every
 * process that has the environment open (a robust mutex in its lock file), so these steps are atomic and commits
 * are totally ordered by the version they get:
 *
 *   1. read the current version v and the pruned mark
 *   2. validate: if the transaction read at r, every log entry in (r, v] is checked against its read-conflict
 *      set; any overlap -> KV_CONFLICT. If entries after r were already pruned -> KV_TOO_OLD.
 *   3. apply the mutations with versionstamp(v + 1), collecting the ranges written
 *   4. append log entry v + 1, set version = v + 1
 *   5. drop a bounded number of log entries older than the retention, raising the pruned mark
 *
 * Nothing is written before validation passes, so a failed validation aborts a write transaction that did nothing.
 */
import { KvError } from '../errors.ts';
import type { CommitRequest } from './backend.ts';
import { compareKeys } from './key-order.ts';
import { decodeLogEntry, decodeLogTime, decodeU64, encodeLogEntry, encodeU64, PRUNED_KEY, VERSION_KEY } from './lmdb-layout.ts';
import type { LmdbLayout } from './lmdb-layout.ts';
import { applyMutations } from './mutations.ts';
import type { MutationTarget } from './mutations.ts';
import { RangeSet } from './range-set.ts';
import { versionstampOf } from './versionstamp.ts';

/** Log entries dropped per commit at most, so one commit never holds the writer lock for long. */
const MAX_PRUNED_PER_COMMIT = 64;

export interface LmdbCommitContext {
  readonly now: number;
  /** Log entries younger than this are kept. */
  readonly retentionMs: number;
}

/** Must run inside `root.transactionSync`. Returns the new version, or null when there was nothing to write. */
export function commitInWriteTxn(layout: LmdbLayout, request: CommitRequest, ctx: LmdbCommitContext): bigint | null {
  const { data, meta, log } = layout;
  const current = decodeU64(meta.get(VERSION_KEY));
  if (request.readVersion !== null && !request.readConflicts.isEmpty) {
    validate(layout, request.readVersion, request.readConflicts);
  }
  if (request.mutations.length === 0 && request.writeConflicts.isEmpty) return null;

  const version = current + 1n;
  const written = new RangeSet();
  for (const r of request.writeConflicts.toArray()) written.add(r.begin, r.end);
  const target: MutationTarget = {
    get: (key) => data.get(key) ?? null,
    put: (key, value) => data.putSync(key, value),
    remove: (key) => {
      data.removeSync(key);
    },
    removeRange: (begin, end) => {
      const keys = Array.from(data.getRange({ start: begin, end }), (e) => e.key);
      for (const key of keys) data.removeSync(key);
    },
  };
  applyMutations(request.mutations, target, versionstampOf(version), written);
  log.putSync(encodeU64(version), encodeLogEntry({ committedAt: ctx.now, writes: written.toArray() }));
  meta.putSync(VERSION_KEY, encodeU64(version));
  prune(layout, ctx);
  return version;
}

function validate(layout: LmdbLayout, readVersion: bigint, readConflicts: RangeSet): void {
  const pruned = decodeU64(layout.meta.get(PRUNED_KEY));
  if (readVersion < pruned) {
    throw KvError.TOO_OLD(`read version ${readVersion} is older than the retained commit log (from ${pruned})`, {
      engine: 'lmdb',
    });
  }
  for (const { key, value } of layout.log.getRange({ start: encodeU64(readVersion + 1n) })) {
    if (readConflicts.intersectsAny(decodeLogEntry(value).writes)) {
      throw KvError.CONFLICT(`a read range was written by commit ${decodeU64(key)} after read version ${readVersion}`);
    }
  }
}

function prune(layout: LmdbLayout, ctx: LmdbCommitContext): void {
  const cutoff = ctx.now - ctx.retentionMs;
  let last: Buffer | null = null;
  for (const { key, value } of layout.log.getRange({ limit: MAX_PRUNED_PER_COMMIT })) {
    if (decodeLogTime(value) >= cutoff) break;
    last = key;
  }
  if (last === null) return;
  const keys = Array.from(layout.log.getRange({ end: last, inclusiveEnd: true }), (e) => e.key);
  for (const key of keys) layout.log.removeSync(key);
  if (compareKeys(last, layout.meta.get(PRUNED_KEY) ?? Buffer.alloc(8)) > 0) layout.meta.putSync(PRUNED_KEY, last);
}
