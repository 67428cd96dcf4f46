import type { MgmtdClient, RoutingInfo } from '../infra/mgmtd/index.ts';
import type { RoutingSource } from './routing-source.ts';

/** What a node holds before its first routing reply: nothing routes, so every request is a routing error. */
const NO_ROUTING: RoutingInfo = { version: 0, nodes: [], targets: [], chains: [], chainTables: [] };

/**
 * Routing from mgmtd: `current` is the mgmtd client's cache (fed by polling and by heartbeat replies), `refresh`
 * asks mgmtd for a newer snapshot. The mgmtd client belongs to the caller.
 *
 *   const routing = new MgmtdRoutingSource(mgmtd);
 *   const storage = StorageClient.create({ routing, rpc: { secret } });
 */
export class MgmtdRoutingSource implements RoutingSource {
  constructor(private readonly mgmtd: MgmtdClient) {}

  current(): RoutingInfo {
    return this.mgmtd.routing ?? NO_ROUTING;
  }

  refresh(): Promise<RoutingInfo> {
    return this.mgmtd.refreshRouting();
  }
}
