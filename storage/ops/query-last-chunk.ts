import { requireState, viewChain } from '../chain-view.ts';
import type { QueryLastChunkReq, QueryLastChunkRsp } from '../protocol.ts';
import type { StorageDeps } from './deps.ts';
import { toWireMeta } from './wire-meta.ts';

/** The chunk of an inode with the highest index on this chain (committed or pending), for length queries. */
export async function handleQueryLastChunk(deps: StorageDeps, req: QueryLastChunkReq): Promise<QueryLastChunkRsp> {
  const view = await viewChain(deps.routing, deps.targets, req.chainId, req.chainVer);
  requireState(view, ['SERVING'], 'a last-chunk query');
  const meta = view.target.engine.lastChunk(req.inodeId);
  return { meta: meta === null ? null : toWireMeta(meta) };
}
