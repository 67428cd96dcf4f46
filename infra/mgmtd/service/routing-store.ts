/**
 * How the routing snapshot sits in the KV engine. Every record is JSON under a 4-byte prefix, ids big-endian so
 * ranges list in id order (3FS uses the same prefixes in FoundationDB):
 *
 *   MGMT VERS                        → routing version
 *   MGMT NODE <nodeId u64>           → NodeInfo
 *   MGMT TGIF <targetId u64>         → TargetInfo
 *   MGMT CHIF <chainId u64>          → ChainInfo
 *   MGMT CHIT <tableId u64><ver u64> → ChainTable
 *
 * The lease key lives beside them (lease.ts). Mutations load the whole snapshot inside their transaction, compute the
 * next one and write back only the records whose objects changed (`writeRoutingChanges`): routing snapshots are
 * immutable values, so "changed" is a reference comparison.
 */
import { GeneralError } from '../../errors.ts';
import type { Bytes, Transaction } from '../../kv/index.ts';
import type { ChainInfo, ChainTable, NodeInfo, RoutingInfo, TargetInfo } from '../routing/types.ts';

const ROOT = Buffer.from('MGMT');

function key(kind: string, ...ids: number[]): Buffer {
  const out = Buffer.alloc(ROOT.length + kind.length + ids.length * 8);
  ROOT.copy(out, 0);
  out.write(kind, ROOT.length, 'latin1');
  ids.forEach((id, i) => out.writeBigUInt64BE(BigInt(id), ROOT.length + kind.length + i * 8));
  return out;
}

function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = end[end.length - 1]! + 1;
  return end;
}

export const ROUTING_KEYS = {
  version: key('VERS'),
  lease: key('LEAS'),
  node: (id: number) => key('NODE', id),
  target: (id: number) => key('TGIF', id),
  chain: (id: number) => key('CHIF', id),
  chainTable: (id: number, version: number) => key('CHIT', id, version),
} as const;

const encode = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const decode = <T>(value: Bytes): T => JSON.parse(Buffer.from(value).toString('utf8')) as T;

async function listKind<T>(tx: Transaction, kind: string): Promise<T[]> {
  const prefix = key(kind);
  const rows = await tx.getRange(prefix, prefixEnd(prefix));
  return rows.map((r) => decode<T>(r.value));
}

/** The whole snapshot as the KV engine holds it; version 0 and empty lists in a fresh keyspace. */
export async function loadRouting(tx: Transaction): Promise<RoutingInfo> {
  const version = await tx.get(ROUTING_KEYS.version);
  return {
    version: version === null ? 0 : decode<number>(version),
    nodes: await listKind<NodeInfo>(tx, 'NODE'),
    targets: await listKind<TargetInfo>(tx, 'TGIF'),
    chains: await listKind<ChainInfo>(tx, 'CHIF'),
    chainTables: await listKind<ChainTable>(tx, 'CHIT'),
  };
}

/** Writes the records of `after` that are not the very objects of `before`, and the version when it moved. */
export function writeRoutingChanges(tx: Transaction, before: RoutingInfo, after: RoutingInfo): void {
  if (after.version < before.version) {
    throw GeneralError.INTERNAL(`routing version would go back from ${before.version} to ${after.version}`);
  }
  if (after.version !== before.version) tx.set(ROUTING_KEYS.version, encode(after.version));
  writeChanged(tx, before.nodes, after.nodes, (n) => ROUTING_KEYS.node(n.nodeId));
  writeChanged(tx, before.targets, after.targets, (t) => ROUTING_KEYS.target(t.targetId));
  writeChanged(tx, before.chains, after.chains, (c) => ROUTING_KEYS.chain(c.chainId));
  writeChanged(tx, before.chainTables, after.chainTables, (t) => ROUTING_KEYS.chainTable(t.chainTableId, t.version));
}

function writeChanged<T>(tx: Transaction, before: readonly T[], after: readonly T[], keyOf: (item: T) => Buffer): void {
  const old = new Set(before);
  const kept = new Set<string>();
  for (const item of after) {
    const k = keyOf(item);
    kept.add(k.toString('hex'));
    if (!old.has(item)) tx.set(k, encode(item));
  }
  for (const item of before) {
    const k = keyOf(item);
    if (!kept.has(k.toString('hex'))) tx.clear(k);
  }
}

export { decode as decodeRecord, encode as encodeRecord };
