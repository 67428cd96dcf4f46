/**
 * Fault injection (STYLE rule 11): client and server ask their `faults` hook before each call and obey the answer.
 *
 *   fail       the call fails with `error` without reaching the handler (client: without being sent)
 *   delay      the call waits `ms` first (client: before sending, inside its deadline; server: before the handler)
 *   drop       the request is lost: never sent / never handled; the caller runs into its deadline
 *   dropReply  the handler runs but its reply is lost (client: the reply is ignored); the caller times out
 */
import type { FirepondError } from '../errors.ts';

export type FaultAction =
  | { readonly kind: 'fail'; readonly error: FirepondError }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'drop' }
  | { readonly kind: 'dropReply' };

export interface FaultPoint {
  readonly side: 'client' | 'server';
  readonly service: string;
  readonly method: string;
  readonly peer: string;
}

export interface RpcFaults {
  decide(point: FaultPoint): FaultAction | null;
}

export interface FaultRule {
  /** `service.method`, `service.*` or `*`. */
  readonly method: string;
  readonly action: FaultAction;
  /** Only on this side; both when omitted. */
  readonly side?: 'client' | 'server';
  /** Fire this many times, then stop; unlimited when omitted. */
  readonly times?: number;
  /** Chance per matching call, from the rules' random source; 1 when omitted. */
  readonly probability?: number;
}

/** A rule list usable as the `faults` hook: the first matching rule with budget left decides. */
export class FaultRules implements RpcFaults {
  private readonly rules: { rule: FaultRule; left: number }[] = [];
  private fired = 0;

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): this {
    this.rules.push({ rule, left: rule.times ?? Infinity });
    return this;
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** How many faults have been injected. */
  get injected(): number {
    return this.fired;
  }

  decide(point: FaultPoint): FaultAction | null {
    const name = `${point.service}.${point.method}`;
    for (const entry of this.rules) {
      const { rule } = entry;
      if (entry.left <= 0) continue;
      if (rule.side !== undefined && rule.side !== point.side) continue;
      const hit = rule.method === '*' || rule.method === name || rule.method === `${point.service}.*`;
      if (!hit) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      entry.left -= 1;
      this.fired += 1;
      return rule.action;
    }
    return null;
  }
}
