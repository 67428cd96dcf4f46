import { StorageError } from '../infra/errors.ts';
import type { UpdateTag, WriteRsp } from './protocol.ts';

export const UPDATE_DEDUP_DEFAULTS = {
  /** Channels remembered; the least recently used is forgotten past this. */
  maxChannels: 65_536,
} as const;

/**
 * Retry deduplication at the head, per (client, channel): a client runs one update at a time on a channel, so the
 * newest seqnum's outcome is all there is to remember.
 *
 *   same seqnum     the earlier attempt's result (awaited if it is still running); after a failed attempt, a new
 *                   attempt, told which version the failed one left pending here (see `leftPending`)
 *   older seqnum    STORAGE_DUPLICATE_UPDATE: the client has moved on, this is a late copy
 *   newer seqnum    runs the update
 *
 * A failed attempt that staged nothing is forgotten, so its retry simply runs again. One that staged a version is
 * remembered with that version (`staged`): the update may already be visible (committed further down the chain,
 * or built on by another update), so its retry must complete that version rather than apply the update twice.
 * Successors remember the versions they stage too, so a retry that reaches a new head is treated the same way.
 */
export class UpdateDedup {
  private readonly channels = new Map<string, Entry>();

  constructor(private readonly maxChannels: number = UPDATE_DEDUP_DEFAULTS.maxChannels) {}

  /** `attempt` gets the version an earlier failed attempt of this update left pending, or null. */
  run(tag: UpdateTag, attempt: (leftPending: number | null) => Promise<WriteRsp>): Promise<WriteRsp> {
    const key = `${tag.clientId}\u0000${tag.channel}`;
    const seen = this.channels.get(key);
    if (seen !== undefined && seen.seqnum === tag.seqnum && seen.result !== null) return seen.result;
    if (seen !== undefined && seen.seqnum > tag.seqnum) {
      return Promise.reject(
        StorageError.DUPLICATE_UPDATE(`write ${tag.seqnum} on channel ${tag.channel} of ${tag.clientId} is older than ${seen.seqnum}`, {
          context: { ...tag, latest: seen.seqnum },
        }),
      );
    }
    const leftPending = seen !== undefined && seen.seqnum === tag.seqnum ? seen.leftPending : null;
    const entry: Entry = { seqnum: tag.seqnum, result: null, leftPending, targetId: seen?.seqnum === tag.seqnum ? seen.targetId : null };
    this.channels.delete(key);
    this.channels.set(key, entry);
    if (this.channels.size > this.maxChannels) this.channels.delete(this.channels.keys().next().value!);
    entry.result = attempt(leftPending);
    entry.result.catch(() => {
      if (this.channels.get(key) !== entry) return;
      if (entry.leftPending === null) this.channels.delete(key);
      else entry.result = null;
    });
    return entry.result;
  }

  /**
   * Forgets the versions staged on `targetId`: a resync is about to replace its chunks, so what it staged there says
   * nothing any more about whether an update took effect.
   */
  forgetTarget(targetId: number): void {
    for (const [key, entry] of this.channels) if (entry.targetId === targetId && entry.result === null) this.channels.delete(key);
  }

  /**
   * Records that this replica staged version `updateVer` for the update `tag` (head or successor alike): the first
   * version it staged for the update is the one a retry must complete, should that attempt fail or this replica
   * become the head. A tag older than the channel's newest is ignored.
   */
  staged(tag: UpdateTag, updateVer: number, targetId: number): void {
    const key = `${tag.clientId}\u0000${tag.channel}`;
    const entry = this.channels.get(key);
    if (entry !== undefined && entry.seqnum > tag.seqnum) return;
    if (entry !== undefined && entry.seqnum === tag.seqnum) {
      if (entry.leftPending === null) {
        entry.leftPending = updateVer;
        entry.targetId = targetId;
      }
      return;
    }
    this.channels.delete(key);
    this.channels.set(key, { seqnum: tag.seqnum, result: null, leftPending: updateVer, targetId });
    if (this.channels.size > this.maxChannels) this.channels.delete(this.channels.keys().next().value!);
  }
}

/** (Entries are per channel; see UpdateDedup.) */
interface Entry {
  readonly seqnum: number;
  result: Promise<WriteRsp> | null;
  leftPending: number | null;
  /** The target the version was staged on. */
  targetId: number | null;
}
