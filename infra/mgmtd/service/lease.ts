/**
 * The primary lease, one KV record `{holder, address, expiresAtMs}` (3FS: `SINGMgmtdLease`). Whoever holds a live
 * lease is the primary; a missing or expired lease is free to take; the holder extends its own. Clocks: the
 * processes sharing an embedded KV engine share a host clock; on a cluster, the lease must be longer than the skew.
 */
import { MgmtdError } from '../../errors.ts';
import type { Transaction } from '../../kv/index.ts';
import { decodeRecord, encodeRecord, ROUTING_KEYS } from './routing-store.ts';

export interface LeaseRecord {
  /** A per-process instance id, so a restarted mgmtd on the same address is a new holder. */
  readonly holder: string;
  /** Where the holder serves ("host:port"); standbys redirect clients there. */
  readonly address: string;
  readonly expiresAtMs: number;
}

export interface LeaseClaim {
  readonly holder: string;
  readonly address: string;
  readonly leaseMs: number;
}

export type LeaseOutcome =
  | { readonly held: true; readonly lease: LeaseRecord }
  | { readonly held: false; readonly lease: LeaseRecord };

export async function readLease(tx: Transaction): Promise<LeaseRecord | null> {
  const raw = await tx.get(ROUTING_KEYS.lease);
  return raw === null ? null : decodeRecord<LeaseRecord>(raw);
}

/** Takes a free or expired lease, extends our own, or reports the live lease of another holder. */
export async function acquireOrExtendLease(tx: Transaction, claim: LeaseClaim, nowMs: number): Promise<LeaseOutcome> {
  const current = await readLease(tx);
  if (current !== null && current.holder !== claim.holder && current.expiresAtMs > nowMs) return { held: false, lease: current };
  const lease: LeaseRecord = { holder: claim.holder, address: claim.address, expiresAtMs: nowMs + claim.leaseMs };
  tx.set(ROUTING_KEYS.lease, encodeRecord(lease));
  return { held: true, lease };
}

/**
 * Fencing inside a mutation: the transaction reads the lease (a read conflict, so a takeover committed meanwhile
 * fails our commit) and refuses to go on unless we still hold it.
 */
export async function assertLeaseHeld(tx: Transaction, holder: string, self: string, nowMs: number): Promise<void> {
  const lease = await readLease(tx);
  if (lease === null || lease.holder !== holder) throw MgmtdError.LEASE_LOST(self, `the lease is held by ${lease?.address ?? 'nobody'}`);
  if (lease.expiresAtMs <= nowMs) throw MgmtdError.LEASE_LOST(self, 'the lease expired before it was renewed');
}

/** Gives the lease up on a clean shutdown so a standby takes over at once instead of after expiry. */
export async function releaseLease(tx: Transaction, holder: string): Promise<void> {
  const lease = await readLease(tx);
  if (lease !== null && lease.holder === holder) tx.clear(ROUTING_KEYS.lease);
}
