import { crc32c } from '@node-rs/crc32';
import type { WriteReq, WriteRsp } from '../protocol.ts';
import { atHead } from './at-head.ts';
import { checkPayload } from './check-data.ts';
import type { StorageDeps } from './deps.ts';
import { latestContent, overlay } from './latest-content.ts';
import { builtOn, stageForwardCommit } from './replicate.ts';
import type { ReplicaUpdate } from './replicate.ts';

/**
 * A client write, at the chain head: check the payload's CRC32C, then (see `atHead`) under the chunk lock
 * updateVer = commitVer + 1, stage, forward, commit.
 *
 * A pending version found under the lock belongs to an earlier update whose round failed (its forward or commit
 * did not come back). Successors may hold it, even committed and read, so it is neither undone nor its number
 * reused: the new update lays its bytes over the pending content, takes the next number and goes down the chain as
 * a whole chunk, which completes the failed update wherever it is missing.
 */
export function handleWrite(deps: StorageDeps, req: WriteReq): Promise<WriteRsp> {
  const data = checkPayload(req.data, req.crc32c, 'write');
  return atHead(deps, req, 'a write', async (view) => {
    const { engine } = view.target;
    const meta = engine.stat(req.chunkId);
    const pending = meta?.pending ?? null;
    let update: ReplicaUpdate;
    if (pending === null) {
      update = { kind: 'WRITE', tags: [req.tag], updateVer: (meta?.commitVer ?? 0) + 1, offset: req.offset, data, crc32c: req.crc32c };
    } else {
      const content = overlay(await latestContent(engine, req.chunkId), req.offset, data);
      update = { kind: 'REPLACE', tags: builtOn(deps, view, req.chunkId, req.tag), updateVer: pending.updateVer + 1, offset: 0, data: content, crc32c: crc32c(content) };
    }
    return stageForwardCommit(deps, view, req.chunkId, update);
  });
}
