import { StorageError } from '../infra/errors.ts';
import { findNode, findTarget } from '../infra/mgmtd/index.ts';
import type { RoutingInfo, TargetId } from '../infra/mgmtd/index.ts';
import type { RpcAddress } from '../infra/rpc/index.ts';

/** "host:port" or "[v6]:port" → address; the inverse of `formatAddress`. */
export function parseAddress(text: string): RpcAddress | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  const host = text.slice(0, colon);
  return { host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port };
}

/** The RPC address of the node holding `targetId`; STORAGE_ROUTING_ERROR when routing does not know one. */
export function targetAddress(routing: RoutingInfo, targetId: TargetId): RpcAddress {
  const target = findTarget(routing, targetId);
  const node = target === null ? null : findNode(routing, target.nodeId);
  const address = node?.address == null ? null : parseAddress(node.address);
  if (address === null) {
    throw StorageError.ROUTING_ERROR(`routing v${routing.version} has no address for target ${targetId}`, {
      context: { targetId, routingVersion: routing.version, nodeId: target?.nodeId ?? null },
    });
  }
  return address;
}
