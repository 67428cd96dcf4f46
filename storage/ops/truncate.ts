import { crc32c } from '@node-rs/crc32';
import { GeneralError } from '../../infra/errors.ts';
import { maxChunkSize } from '../chunk-engine/index.ts';
import type { TruncateReq, WriteRsp } from '../protocol.ts';
import { atHead } from './at-head.ts';
import type { StorageDeps } from './deps.ts';
import { latestContent } from './latest-content.ts';
import { builtOn, stageForwardCommit } from './replicate.ts';

/**
 * Sets a chunk's length (shorter cuts, longer pads with zeros; a missing chunk is created), at the chain head. The
 * head builds the new content and sends it down the chain as a whole-chunk replace: truncates touch the last chunk
 * of a file only, and a whole chunk applies on any replica whatever versions it holds.
 */
export function handleTruncate(deps: StorageDeps, req: TruncateReq): Promise<WriteRsp> {
  return atHead(deps, req, 'a truncate', async (view) => {
    const { engine } = view.target;
    const limit = maxChunkSize(engine.layout);
    if (!Number.isInteger(req.length) || req.length < 0 || req.length > limit) {
      throw GeneralError.INVALID_ARGUMENT(`truncate length must be an integer in [0, ${limit}], got ${req.length}`, { context: { length: req.length } });
    }
    const meta = engine.stat(req.chunkId);
    const base = await latestContent(engine, req.chunkId);
    const content = Buffer.alloc(req.length);
    base.copy(content, 0, 0, Math.min(base.length, req.length));
    const updateVer = Math.max(meta?.commitVer ?? 0, meta?.pending?.updateVer ?? 0) + 1;
    return stageForwardCommit(deps, view, req.chunkId, { kind: 'REPLACE', tags: builtOn(deps, view, req.chunkId, req.tag), updateVer, offset: 0, data: content, crc32c: crc32c(content) });
  });
}
