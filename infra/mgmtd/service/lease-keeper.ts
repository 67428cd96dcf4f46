/**
 * Keeps this mgmtd's claim on the primary lease. One `tick()` per lease/3:
 *
 *   STANDBY ──lease free or expired, taken, routing loaded──▶ PRIMARY ──renewed──▶ PRIMARY
 *      ▲                                                        │
 *      └──────────── another holder seen ◀──────────────────────┤ no renewal before local expiry
 *                                                               ▼
 *                                                           EXPIRED (answers MGMTD_LEASE_LOST until a tick decides)
 *
 * Fencing on our side: a renewal attempt that started at t keeps us serving until t + lease at most; a standby
 * can only take the lease after the record's expiry, which is later than that.
 */
import type { KvEngine } from '../../kv/index.ts';
import { acquireOrExtendLease, releaseLease } from './lease.ts';
import type { LeaseClaim, LeaseRecord } from './lease.ts';

export type LeaseStatus = 'PRIMARY' | 'EXPIRED' | 'STANDBY';

export interface LeaseKeeperOptions {
  readonly kv: KvEngine;
  readonly claim: LeaseClaim;
  readonly clock: () => number;
  /** Runs after the lease is taken and before we answer as primary (load the routing snapshot); a throw retries. */
  readonly onAcquired: () => Promise<void>;
  readonly onLost: (reason: string) => void;
  readonly log: (message: string) => void;
}

export class LeaseKeeper {
  private primary = false;
  private servingUntilMs = 0;
  private seen: LeaseRecord | null = null;

  constructor(private readonly options: LeaseKeeperOptions) {}

  status(): LeaseStatus {
    if (!this.primary) return 'STANDBY';
    return this.options.clock() < this.servingUntilMs ? 'PRIMARY' : 'EXPIRED';
  }

  /** The address of the live primary as last seen in the lease record, or null. */
  primaryAddress(): string | null {
    if (this.status() === 'PRIMARY') return this.options.claim.address;
    if (this.seen === null || this.seen.expiresAtMs <= this.options.clock()) return null;
    return this.seen.holder === this.options.claim.holder ? null : this.seen.address;
  }

  /** One attempt to take or extend the lease. */
  async tick(): Promise<void> {
    const { kv, claim, clock } = this.options;
    const startedMs = clock();
    let outcome;
    try {
      outcome = await kv.transact((tx) => acquireOrExtendLease(tx, claim, clock()));
    } catch (err) {
      this.options.log(`lease renewal failed: ${(err as Error).message}`);
      this.dropIfExpired();
      return;
    }
    this.seen = outcome.lease;
    if (!outcome.held) {
      this.lose(`the lease is held by ${outcome.lease.address}`);
      return;
    }
    if (!this.primary) {
      try {
        await this.options.onAcquired();
      } catch (err) {
        this.options.log(`took the lease but could not load the routing state: ${(err as Error).message}`);
        return;
      }
      this.primary = true;
      this.options.log(`became primary (lease until ${new Date(outcome.lease.expiresAtMs).toISOString()})`);
    }
    this.servingUntilMs = startedMs + claim.leaseMs;
  }

  /** Stops answering as primary at once, e.g. when a mutation found the lease gone. */
  lose(reason: string): void {
    if (!this.primary) return;
    this.primary = false;
    this.servingUntilMs = 0;
    this.options.log(`no longer primary: ${reason}`);
    this.options.onLost(reason);
  }

  /** Releases a lease we hold so a standby need not wait for expiry. */
  async release(): Promise<void> {
    const wasPrimary = this.primary;
    this.lose('shutting down');
    if (wasPrimary) await this.options.kv.transact((tx) => releaseLease(tx, this.options.claim.holder));
  }

  private dropIfExpired(): void {
    if (this.primary && this.options.clock() >= this.servingUntilMs) this.lose('could not renew the lease before it expired');
  }
}
