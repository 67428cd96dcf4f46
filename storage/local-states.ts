import { findChain, findTarget } from '../infra/mgmtd/index.ts';
import type { LocalTargetState, PublicTargetState, RoutingInfo, TargetId } from '../infra/mgmtd/index.ts';

/** What a storage node tells mgmtd about one of its targets, and whether it is still behind the rejoin gate. */
export interface LocalStatus {
  readonly localState: LocalTargetState;
  /** True from process start until mgmtd shows the target OFFLINE or LASTSRV (see `nextLocalStatus`). */
  readonly rejoining: boolean;
}

/** A storage process starts every target behind the rejoin gate. */
export const REJOINING: LocalStatus = { localState: 'OFFLINE', rejoining: true };

/**
 * The storage side of the target state machine (3FS `TargetMap::updateLocalState`, plus its rejoin gate), given the
 * target's public state in the newest routing (null: in no chain):
 *
 * - Rejoin gate. A restarted process cannot know what its targets missed while it was down, so it reports them
 *   OFFLINE, serves nothing from them, and waits until mgmtd shows each one OFFLINE or LASTSRV (no longer SERVING,
 *   SYNCING or WAITING on the strength of the old process). Then it reports ONLINE: a LASTSRV target serves again at
 *   once (it holds every committed write), any other is synced from its chain first.
 * - ONLINE + SERVING → UPTODATE: the target serves, so it is complete.
 * - UPTODATE + OFFLINE or WAITING → ONLINE: mgmtd moved the chain on without this target (it missed heartbeats), so
 *   it must be synced again before it serves.
 * The local UPTODATE after a sync comes from syncDone, not from here.
 */
export function nextLocalStatus(current: LocalStatus, publicState: PublicTargetState | null): LocalStatus {
  if (current.rejoining) {
    if (publicState === null || publicState === 'OFFLINE' || publicState === 'LASTSRV') return { localState: 'ONLINE', rejoining: false };
    return current;
  }
  if (current.localState === 'ONLINE' && publicState === 'SERVING') return { localState: 'UPTODATE', rejoining: false };
  if (current.localState === 'UPTODATE' && (publicState === 'OFFLINE' || publicState === 'WAITING')) return { localState: 'ONLINE', rejoining: false };
  return current;
}

/** The public state of `targetId` in `routing`, or null when it is in no chain. */
export function publicStateOf(routing: RoutingInfo, targetId: TargetId): PublicTargetState | null {
  const target = findTarget(routing, targetId);
  const chain = target === null ? null : findChain(routing, target.chainId);
  return chain?.targets.find((t) => t.targetId === targetId)?.publicState ?? null;
}
