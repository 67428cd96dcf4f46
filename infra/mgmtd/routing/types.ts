/**
 * The routing model every process polls from mgmtd: nodes, targets, chains and chain tables, all under one
 * monotonically versioned `RoutingInfo`. Plain JSON-serialisable data: ids are numbers (safe integers), lists are
 * arrays sorted by id, absent values are `null`, never optional fields.
 *
 * Where a fact lives twice, one copy is the source of truth:
 * - a chain's order and its targets' public states live in `ChainInfo.targets`;
 *   `TargetInfo.publicState` mirrors them for lookups by target id;
 * - local states come from heartbeats (or their absence) and live only in `TargetInfo.localState`.
 */

export type NodeId = number;
export type TargetId = number;
export type ChainId = number;
export type ChainTableId = number;

export type NodeType = 'MGMTD' | 'META' | 'STORAGE' | 'CLIENT';

/**
 * CONNECTING: registered, no heartbeat yet · CONNECTED: heartbeating · FAILED: silent past the failure interval ·
 * DISABLED: taken out by an admin (its heartbeats are refused).
 */
export type NodeStatus = 'CONNECTING' | 'CONNECTED' | 'FAILED' | 'DISABLED';

/**
 * What a target is to everyone else, decided by mgmtd (see state-machine/transition-table.ts):
 *
 * | state   | read | write | meaning                                  |
 * |---------|------|-------|------------------------------------------|
 * | SERVING | yes  | yes   | alive and complete                       |
 * | SYNCING | no   | yes   | alive, being recovered from its chain    |
 * | WAITING | no   | no    | alive, recovery not started yet          |
 * | LASTSRV | no   | no    | down, and was the last SERVING replica   |
 * | OFFLINE | no   | no    | down, or failed                          |
 */
export type PublicTargetState = 'SERVING' | 'SYNCING' | 'WAITING' | 'LASTSRV' | 'OFFLINE';

/**
 * What a target says about itself in heartbeats. UPTODATE: holds complete data (a finished sync, or it was serving);
 * ONLINE: alive but needs a sync; OFFLINE: down (also what mgmtd assumes when heartbeats stop).
 */
export type LocalTargetState = 'UPTODATE' | 'ONLINE' | 'OFFLINE';

/** Public states in the order targets sit in a chain: the head is the first SERVING target. */
export const PUBLIC_STATE_ORDER: readonly PublicTargetState[] = ['SERVING', 'LASTSRV', 'SYNCING', 'WAITING', 'OFFLINE'];

export const LOCAL_STATES: readonly LocalTargetState[] = ['UPTODATE', 'ONLINE', 'OFFLINE'];

export interface NodeInfo {
  readonly nodeId: NodeId;
  readonly type: NodeType;
  /** `host:port` of the node's RPC listener; null until the node has registered one. */
  readonly address: string | null;
  readonly status: NodeStatus;
  /** Wall-clock milliseconds of the last accepted heartbeat; null before the first. */
  readonly lastHeartbeatMs: number | null;
}

export interface TargetInfo {
  readonly targetId: TargetId;
  readonly nodeId: NodeId;
  readonly chainId: ChainId;
  /** Which disk of the node holds this target; null when unknown. */
  readonly diskIndex: number | null;
  /** Mirror of this target's entry in its chain. */
  readonly publicState: PublicTargetState;
  readonly localState: LocalTargetState;
}

/** One replica slot in a chain: which target, in which public state. */
export interface ChainTargetInfo {
  readonly targetId: TargetId;
  readonly publicState: PublicTargetState;
}

export interface ChainInfo {
  readonly chainId: ChainId;
  /** Bumps by one on every change of target order or public states; every storage request carries it. */
  readonly chainVersion: number;
  /** Ordered SERVING, LASTSRV, SYNCING, WAITING, OFFLINE; writes enter at targets[0] and flow towards the tail. */
  readonly targets: readonly ChainTargetInfo[];
}

/** A versioned list of chains. A file pins (id, version), so a new version never remaps old files. */
export interface ChainTable {
  readonly chainTableId: ChainTableId;
  readonly version: number;
  readonly chains: readonly ChainId[];
}

export interface RoutingInfo {
  /** Bumps on every change of anything below; clients poll with the version they hold. */
  readonly version: number;
  readonly nodes: readonly NodeInfo[];
  readonly targets: readonly TargetInfo[];
  readonly chains: readonly ChainInfo[];
  /** Every kept version of every table, sorted by (chainTableId, version). */
  readonly chainTables: readonly ChainTable[];
}
