/**
 * The mgmtd wire protocol, shared by the server (service/) and the client (client.ts). Ids never change once used.
 *
 * Mutating calls and routing are answered by the primary only; a standby answers MGMTD_NOT_PRIMARY whose context
 * `primary` names the primary's address (or null), and the client redirects there.
 */
import { defineService, method } from '../rpc/index.ts';
import type { ChainTableSpec } from './placement/generate-chain-table.ts';
import type { ChainInfo, ChainTable, LocalTargetState, NodeId, NodeInfo, NodeType, RoutingInfo, TargetId, TargetInfo } from './routing/types.ts';

/** 4, as in 3FS (storage is 3). */
export const MGMTD_SERVICE_ID = 4;

export interface RegisterNodeReq {
  readonly nodeId: NodeId;
  readonly type: NodeType;
  /** `host:port` of the node's RPC listener, or null for nodes that serve nothing (clients). */
  readonly address: string | null;
}
export interface RegisterNodeRsp {
  readonly node: NodeInfo;
  readonly routingVersion: number;
}

export interface LocalTargetReport {
  readonly targetId: TargetId;
  readonly localState: LocalTargetState;
}
export interface HeartbeatReq {
  readonly nodeId: NodeId;
  /** Local states of the node's targets. Targets mgmtd does not know yet (in no chain table) are ignored. */
  readonly targets: readonly LocalTargetReport[];
  /** The routing version the node holds; the reply carries a newer snapshot when there is one. */
  readonly routingVersion: number;
}
export interface HeartbeatRsp {
  readonly routingVersion: number;
  /** The current snapshot when it is newer than the node's `routingVersion`, else null. */
  readonly routing: RoutingInfo | null;
  /**
   * mgmtd's failure-detection interval: a node silent this long is marked FAILED. Carried in every reply (3FS carries
   * config in heartbeat replies) so a storage node can stop serving writes after half of it without a successful
   * heartbeat, before mgmtd gives its targets' roles away.
   */
  readonly failureIntervalMs: number;
}

/** The longest a getRoutingInfo long-poll is held; larger `waitMs` values are clamped to it. */
export const MAX_ROUTING_WAIT_MS = 30_000;

export interface GetRoutingInfoReq {
  /** Answer `routing: null` when the current version is not newer than this; null always answers the snapshot. */
  readonly ifNewerThan: number | null;
  /**
   * Long-poll: when nothing is newer than `ifNewerThan`, hold the call up to this long (at most
   * MAX_ROUTING_WAIT_MS, and short of the caller's deadline) and answer as soon as the version moves past it; when
   * the wait ends first, answer `routing: null`. Losing the lease or shutting down ends the wait at once with
   * MGMTD_NOT_PRIMARY / MGMTD_LEASE_LOST. Absent, null or 0 answers at once.
   *
   * Optional, unlike our other wire fields, on purpose: callers written before long-polls (and their encoded
   * requests, which lack the key) keep working unchanged.
   */
  readonly waitMs?: number | null;
}
export interface GetRoutingInfoRsp {
  readonly routingVersion: number;
  readonly routing: RoutingInfo | null;
}

export interface CreateChainTableReq {
  /** Generated with `generateChainTable`; refused when the table id or any of its target or chain ids exists. */
  readonly spec: ChainTableSpec;
}
export interface CreateChainTableRsp {
  readonly chainTable: ChainTable;
  readonly routingVersion: number;
}

/** No arguments. */
export type GetPrimaryReq = null;
export interface GetPrimaryRsp {
  /** Whether the answering mgmtd is the primary right now. */
  readonly isPrimary: boolean;
  /** Address of the primary as the lease records it, or null when no lease is live. */
  readonly primary: string | null;
  /** Address of the answering mgmtd. */
  readonly self: string;
  /** The other mgmtd addresses it was configured with, so a client that knows one can learn the rest. */
  readonly peers: readonly string[];
}

/** No arguments: the admin lists answer everything (a routing snapshot is small). */
export type ListReq = null;
export interface ListNodesRsp {
  readonly routingVersion: number;
  readonly nodes: readonly NodeInfo[];
}
export interface ListTargetsRsp {
  readonly routingVersion: number;
  readonly targets: readonly TargetInfo[];
}
export interface ListChainsRsp {
  readonly routingVersion: number;
  readonly chains: readonly ChainInfo[];
}
export interface ListChainTablesRsp {
  readonly routingVersion: number;
  readonly chainTables: readonly ChainTable[];
}

export const MgmtdService = defineService({
  id: MGMTD_SERVICE_ID,
  name: 'mgmtd',
  methods: {
    getPrimary: method<GetPrimaryReq, GetPrimaryRsp>({ id: 1 }),
    registerNode: method<RegisterNodeReq, RegisterNodeRsp>({ id: 2 }),
    heartbeat: method<HeartbeatReq, HeartbeatRsp>({ id: 3 }),
    getRoutingInfo: method<GetRoutingInfoReq, GetRoutingInfoRsp>({ id: 4 }),
    createChainTable: method<CreateChainTableReq, CreateChainTableRsp>({ id: 5 }),
    listNodes: method<ListReq, ListNodesRsp>({ id: 10 }),
    listTargets: method<ListReq, ListTargetsRsp>({ id: 11 }),
    listChains: method<ListReq, ListChainsRsp>({ id: 12 }),
    listChainTables: method<ListReq, ListChainTablesRsp>({ id: 13 }),
  },
});
export type MgmtdServiceDef = typeof MgmtdService;
