import { StorageError } from '../infra/errors.ts';
import type { UpdateTag, WriteRsp } from './protocol.ts';

export const UPDATE_DEDUP_DEFAULTS = {
  /** Channels remembered; the least recently used is forgotten past this. */
  maxChannels: 65_536,
} as const;

/**
 * Retry deduplication at the head, per (client, channel): a client runs one write at a time on a channel, so the
 * newest seqnum's result is all there is to remember.
 *
 *   same seqnum     the earlier attempt's result (awaited if it is still running)
 *   older seqnum    STORAGE_DUPLICATE_UPDATE: the client has moved on, this is a late copy
 *   newer seqnum    runs the write
 *
 * A failed attempt is forgotten, so its retry runs again.
 */
export class UpdateDedup {
  private readonly channels = new Map<string, { seqnum: number; result: Promise<WriteRsp> }>();

  constructor(private readonly maxChannels: number = UPDATE_DEDUP_DEFAULTS.maxChannels) {}

  run(tag: UpdateTag, write: () => Promise<WriteRsp>): Promise<WriteRsp> {
    const key = `${tag.clientId}\u0000${tag.channel}`;
    const seen = this.channels.get(key);
    if (seen !== undefined && seen.seqnum === tag.seqnum) return seen.result;
    if (seen !== undefined && seen.seqnum > tag.seqnum) {
      return Promise.reject(
        StorageError.DUPLICATE_UPDATE(`write ${tag.seqnum} on channel ${tag.channel} of ${tag.clientId} is older than ${seen.seqnum}`, {
          context: { ...tag, latest: seen.seqnum },
        }),
      );
    }
    const entry = { seqnum: tag.seqnum, result: write() };
    this.channels.delete(key);
    this.channels.set(key, entry);
    if (this.channels.size > this.maxChannels) this.channels.delete(this.channels.keys().next().value!);
    entry.result.catch(() => {
      if (this.channels.get(key) === entry) this.channels.delete(key);
    });
    return entry.result;
  }
}
