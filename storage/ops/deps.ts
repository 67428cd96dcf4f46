import type { BufferPool } from '../../infra/rpc/index.ts';
import type { ChainView } from '../chain-view.ts';
import type { ChunkLock } from '../chunk-lock.ts';
import type { InflightUpdates } from '../inflight-updates.ts';
import type { UpdateReq, UpdateRsp, UpdateTag } from '../protocol.ts';
import type { RoutingSource } from '../routing-source.ts';
import type { TargetRegistry } from '../target-registry.ts';
import type { UpdateDedup } from '../update-dedup.ts';
import type { WriteFence } from '../write-fence.ts';

/** What the operation handlers share inside one storage server. */
export interface StorageDeps {
  readonly routing: RoutingSource;
  readonly targets: TargetRegistry;
  readonly locks: ChunkLock;
  /** Updates being applied, by chain version: a sync waits for those admitted before it. */
  readonly inflight: InflightUpdates;
  readonly dedup: UpdateDedup;
  /** Sends an update to `view.successor` and returns its reply (the ack). */
  readonly forward: (view: ChainView, req: UpdateReq) => Promise<UpdateRsp>;
  /** Checked before every write, forwarded update and resync apply; null when the node is not fenced. */
  readonly fence: WriteFence | null;
  /** The client tags of each chunk's pending version here (by chunk lock key), for updates built on it. */
  readonly pendingTags: Map<string, readonly UpdateTag[]>;
  /** An update failed at this head after it may have staged a version: look at the chunk again later. */
  readonly updateFailed: (chainId: number, chunkId: Uint8Array) => void;
  /** Tells the node a target's local state changed, so its heartbeat reports it now. */
  readonly localStateChanged: () => void;
  /** Buffers that read replies are read into, back once the reply is written. */
  readonly readBuffers: BufferPool;
}
