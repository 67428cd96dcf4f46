import type { RegisterNodeReq } from '../../protocol.ts';
import type { NodeInfo, RoutingInfo } from '../../routing/types.ts';
import { GeneralError } from '../../../errors.ts';

/**
 * Registers a node, or updates its type and address. A new node starts CONNECTING (no heartbeat yet); a known one
 * keeps its status, so re-registering does not resurrect a FAILED or DISABLED node (heartbeats do the former).
 * Bumps the routing version when anything changed.
 */
export function registerNode(routing: RoutingInfo, req: RegisterNodeReq): { routing: RoutingInfo; node: NodeInfo } {
  if (!Number.isSafeInteger(req.nodeId) || req.nodeId < 0) {
    throw GeneralError.INVALID_ARGUMENT(`node id ${req.nodeId} must be a non-negative integer`, { context: { nodeId: req.nodeId } });
  }
  const existing = routing.nodes.find((n) => n.nodeId === req.nodeId) ?? null;
  if (existing !== null && existing.type === req.type && existing.address === req.address) return { routing, node: existing };
  const node: NodeInfo = existing === null
    ? { nodeId: req.nodeId, type: req.type, address: req.address, status: 'CONNECTING', lastHeartbeatMs: null }
    : { ...existing, type: req.type, address: req.address };
  const nodes = existing === null
    ? [...routing.nodes, node].sort((a, b) => a.nodeId - b.nodeId)
    : routing.nodes.map((n) => (n === existing ? node : n));
  return { routing: { ...routing, version: routing.version + 1, nodes }, node };
}
