import { GeneralError } from '../../errors.ts';
import type { ChainInfo, ChainTable, ChainTableId, NodeId, TargetInfo } from '../routing/types.ts';

/** Input of `firepond admin init-cluster` and of `firepond up`. */
export interface ChainTableSpec {
  readonly chainTableId: ChainTableId;
  readonly storageNodeIds: readonly NodeId[];
  /** Targets (one per disk) each storage node offers. */
  readonly targetsPerNode: number;
  /** Replicas per chain; at most the number of storage nodes. */
  readonly replicationFactor: number;
  /**
   * The disk index of each node's first target here (absent: 0), so a second table on the same nodes takes new
   * disks and target ids: table 1 on disks 0–1 has targets 7001–7002, table 2 from disk 2 has 7003 on. Optional,
   * unlike our other wire fields, on purpose: specs written before it keep their meaning (and their encoding).
   */
  readonly firstDiskIndex?: number;
}

export interface GeneratedChainTable {
  /** Version 1 of the table, chains in creation order. */
  readonly chainTable: ChainTable;
  /** Version 1 of each chain, every target SERVING. */
  readonly chains: readonly ChainInfo[];
  /** The targets the chains use, sorted by id, local state OFFLINE until their node heartbeats. */
  readonly targets: readonly TargetInfo[];
}

export const MAX_TARGETS_PER_NODE = 999;
export const MAX_CHAINS_PER_TABLE = 99_999;

/** Target ids read as node and disk: node 7, disk 0 → 7001. */
export function targetIdOf(nodeId: NodeId, diskIndex: number): number {
  return nodeId * 1000 + diskIndex + 1;
}

/** Chain ids read as table and position: table 1, first chain → 100001. */
export function chainIdOf(chainTableId: ChainTableId, position: number): number {
  return chainTableId * 100_000 + position + 1;
}

/**
 * Builds a chain table over N storage nodes with K targets each at replication R: floor(N·K / R) chains of R targets
 * on R distinct nodes. Deterministic (nodes are sorted by id first), and balanced by construction:
 * - targets per node differ by at most one (when N·K is not a multiple of R, a node's unused disks get no target);
 * - heads (first targets) per node differ by at most one;
 * - successive blocks of chains pair nodes differently, so a failed node's chains resync from many peers
 *   (3FS solves this exactly as a block design; spreading is enough here).
 *
 * Construction. Let g = gcd(N, R) and L = N / g. Chains come in blocks of L; block b uses a multiplier a, the
 * (b mod U)-th of the U integers in [1, N) coprime to N (a = 1 when N = 1). Chain k of block b takes the window of
 * R consecutive integers x ∈ [kR, kR + R), rotated left by o, and maps each x to node index (x · a) mod N:
 *
 *   N = 4, R = 2 (g = 2, L = 2, multipliers 1, 3), nodes n0…n3:
 *     block 0, a = 1, o = 0:  windows [0,1] [2,3]      → [n0,n1] [n2,n3]
 *     block 1, a = 3, o = 1:  windows [1,0] [3,2] · 3  → [n3,n0] [n1,n2]
 *
 * Why it holds:
 * 1. Distinct nodes: R ≤ N consecutive integers differ mod N, and multiplying by a unit mod N keeps them distinct.
 * 2. Targets per node: a block's L windows cover [0, lcm(N, R)), every residue mod N exactly R / g times; the last,
 *    partial block covers a run of consecutive residues, at most once more per node.
 * 3. Heads: the heads of a block are x = kR + o for k < L, i.e. every residue ≡ o (mod g) once; times a, every node
 *    index ≡ o·a (mod g) once. o is the smallest value in [0, g) with o·a ≡ b (mod g) (it exists: a is a unit mod g),
 *    so blocks b, b + 1, …, b + g − 1 give every node exactly one head, and a partial round gives at most one more.
 */
export function generateChainTable(spec: ChainTableSpec): GeneratedChainTable {
  const nodes = checkSpec(spec);
  const n = nodes.length;
  const r = spec.replicationFactor;
  const chainCount = Math.floor((n * spec.targetsPerNode) / r);
  const g = gcd(n, r);
  const chainsPerBlock = n / g;
  const multipliers = n === 1 ? [1] : Array.from({ length: n - 1 }, (_, i) => i + 1).filter((a) => gcd(a, n) === 1);

  const used = new Array<number>(n).fill(spec.firstDiskIndex ?? 0);
  const chains: ChainInfo[] = [];
  const targets: TargetInfo[] = [];
  for (let c = 0; c < chainCount; c++) {
    const block = Math.floor(c / chainsPerBlock);
    const k = c % chainsPerBlock;
    const a = multipliers[block % multipliers.length]!;
    const o = rotationFor(block, a, g);
    const chainId = chainIdOf(spec.chainTableId, c);
    const chainTargets = Array.from({ length: r }, (_, p): TargetInfo => {
      const i = ((k * r + ((o + p) % r)) * a) % n;
      const nodeId = nodes[i]!;
      const diskIndex = used[i]!;
      used[i] = diskIndex + 1;
      return { targetId: targetIdOf(nodeId, diskIndex), nodeId, chainId, diskIndex, publicState: 'SERVING', localState: 'OFFLINE' };
    });
    targets.push(...chainTargets);
    chains.push({ chainId, chainVersion: 1, targets: chainTargets.map((t) => ({ targetId: t.targetId, publicState: t.publicState })) });
  }

  return {
    chainTable: { chainTableId: spec.chainTableId, version: 1, chains: chains.map((c) => c.chainId) },
    chains,
    targets: targets.sort((x, y) => x.targetId - y.targetId),
  };
}

/** The smallest o in [0, g) with o·a ≡ block (mod g). */
function rotationFor(block: number, a: number, g: number): number {
  for (let o = 0; o < g; o++) if ((o * a) % g === block % g) return o;
  throw GeneralError.INTERNAL(`no rotation for multiplier ${a} modulo ${g}`);
}

function gcd(x: number, y: number): number {
  return y === 0 ? x : gcd(y, x % y);
}

function checkSpec(spec: ChainTableSpec): number[] {
  const { chainTableId, storageNodeIds, targetsPerNode, replicationFactor } = spec;
  const firstDiskIndex = spec.firstDiskIndex ?? 0;
  const context = { chainTableId, storageNodeIds, targetsPerNode, replicationFactor, firstDiskIndex };
  const bad = (what: string): Error => GeneralError.INVALID_ARGUMENT(`cannot generate a chain table: ${what}`, { context });
  if (!Number.isSafeInteger(chainTableId) || chainTableId < 1) throw bad('chainTableId must be a positive integer');
  if (chainIdOf(chainTableId, MAX_CHAINS_PER_TABLE) > Number.MAX_SAFE_INTEGER) throw bad('chainTableId is too large');
  const nodes = [...storageNodeIds].sort((a, b) => a - b);
  if (nodes.some((id) => !Number.isSafeInteger(id) || id < 0 || targetIdOf(id, MAX_TARGETS_PER_NODE) > Number.MAX_SAFE_INTEGER)) {
    throw bad('node ids must be non-negative integers below 2^53 / 1000');
  }
  if (new Set(nodes).size !== nodes.length) throw bad('node ids must be distinct');
  if (!Number.isInteger(targetsPerNode) || targetsPerNode < 1 || targetsPerNode > MAX_TARGETS_PER_NODE) {
    throw bad(`targetsPerNode must be an integer in [1, ${MAX_TARGETS_PER_NODE}]`);
  }
  if (!Number.isInteger(firstDiskIndex) || firstDiskIndex < 0 || firstDiskIndex + targetsPerNode > MAX_TARGETS_PER_NODE) {
    throw bad(`firstDiskIndex must be an integer ≥ 0 with firstDiskIndex + targetsPerNode ≤ ${MAX_TARGETS_PER_NODE}`);
  }
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) throw bad('replicationFactor must be a positive integer');
  if (replicationFactor > nodes.length) {
    throw bad(`replication factor ${replicationFactor} needs at least as many storage nodes, got ${nodes.length}`);
  }
  if (Math.floor((nodes.length * targetsPerNode) / replicationFactor) > MAX_CHAINS_PER_TABLE) {
    throw bad(`more than ${MAX_CHAINS_PER_TABLE} chains`);
  }
  return nodes;
}
