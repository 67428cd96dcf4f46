import { GeneralError, MgmtdError } from '../../../errors.ts';
import type { HeartbeatReq } from '../../protocol.ts';
import type { LocalTargetState, RoutingInfo, TargetId, TargetInfo } from '../../routing/types.ts';
import { stepChains } from '../step-chains.ts';

/**
 * Accepts a heartbeat:
 * 1. the node must be registered and not DISABLED (MGMTD_UNKNOWN_NODE);
 * 2. it becomes CONNECTED (also back from FAILED) and its `lastHeartbeatMs` is set;
 * 3. the reported local states are recorded; reported targets mgmtd does not know are ignored (not in a chain table
 *    yet); the node's targets it did not report keep their last state; a target of another node is refused;
 * 4. the chain state machine steps, and the routing version bumps once if a status, local state or chain changed.
 *    `lastHeartbeatMs` alone is persisted without a bump: it is bookkeeping for failure detection, not routing.
 */
export function applyHeartbeat(routing: RoutingInfo, req: HeartbeatReq, nowMs: number): RoutingInfo {
  // 1. Who is it?
  const node = routing.nodes.find((n) => n.nodeId === req.nodeId) ?? null;
  if (node === null) throw MgmtdError.UNKNOWN_NODE(req.nodeId, 'is not registered');
  if (node.status === 'DISABLED') throw MgmtdError.UNKNOWN_NODE(req.nodeId, 'is disabled');

  // 2. Alive.
  const statusChanged = node.status !== 'CONNECTED';
  const nodes = routing.nodes.map((n) => (n === node ? { ...n, status: 'CONNECTED' as const, lastHeartbeatMs: nowMs } : n));

  // 3. Local states.
  const reported = new Map<TargetId, LocalTargetState>();
  for (const r of req.targets) reported.set(r.targetId, r.localState);
  let localChanged = false;
  const targets = routing.targets.map((t): TargetInfo => {
    const state = reported.get(t.targetId);
    if (state === undefined) return t;
    if (t.nodeId !== req.nodeId) {
      throw GeneralError.INVALID_ARGUMENT(`node ${req.nodeId} reported target ${t.targetId}, which belongs to node ${t.nodeId}`, {
        context: { nodeId: req.nodeId, targetId: t.targetId, owner: t.nodeId },
      });
    }
    if (state === t.localState) return t;
    localChanged = true;
    return { ...t, localState: state };
  });

  // 4. Step the chains; one version bump for the lot.
  const step = stepChains({ ...routing, nodes, targets });
  const bump = statusChanged || localChanged || step.changed;
  return { ...step.routing, version: routing.version + (bump ? 1 : 0) };
}
