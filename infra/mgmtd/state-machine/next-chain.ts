import { GeneralError } from '../../errors.ts';
import { PUBLIC_STATE_ORDER } from '../routing/types.ts';
import type { ChainInfo, ChainTargetInfo, LocalTargetState, PublicTargetState, TargetId } from '../routing/types.ts';
import { REPAIRS, SETTLE_ROW, TRANSITIONS } from './transition-table.ts';
import type { TransitionGuard, TransitionRow } from './transition-table.ts';

/** Latest local state per target, from heartbeats. A target with no entry counts as OFFLINE. */
export type LocalStates = ReadonlyMap<TargetId, LocalTargetState>;

export interface TargetTransition {
  readonly targetId: TargetId;
  readonly from: PublicTargetState;
  readonly local: LocalTargetState;
  readonly to: PublicTargetState;
  /** Ids of the repair and transition rows applied, in order (see transition-table.ts). */
  readonly rows: readonly number[];
}

export interface ChainStep {
  /** The next chain, version one higher, when `changed`; otherwise the input chain itself. */
  readonly chain: ChainInfo;
  /** True when the target order or any public state differs. Local states alone never change a chain. */
  readonly changed: boolean;
  /** One entry per target, in the new chain's order. */
  readonly transitions: readonly TargetTransition[];
}

type Counts = Record<PublicTargetState, number>;

interface Input {
  readonly target: ChainTargetInfo;
  readonly local: LocalTargetState;
  readonly effective: PublicTargetState;
  readonly rows: number[];
}

interface Decision {
  readonly input: Input;
  readonly to: PublicTargetState;
}

/**
 * One step of the chain state machine: given a chain and the latest local states of its targets, compute the next
 * public states and order. Pure and deterministic; mgmtd runs it per chain whenever local states change.
 */
export function nextChain(chain: ChainInfo, localStates: LocalStates): ChainStep {
  checkDistinctTargets(chain);

  // 1. Decide each target's effective old state, repairing duplicates of once-per-chain states.
  const seen = new Set<PublicTargetState>();
  const inputs = chain.targets.map((target): Input => {
    const repair = seen.has(target.publicState) ? REPAIRS.find((r) => r.from === target.publicState) ?? null : null;
    seen.add(target.publicState);
    return {
      target,
      local: localStates.get(target.targetId) ?? 'OFFLINE',
      effective: repair === null ? target.publicState : repair.asIf,
      rows: repair === null ? [] : [repair.id],
    };
  });

  // 2. Visit targets grouped by effective state in chain order, SERVING first; each takes its first matching row.
  const built: Counts = { SERVING: 0, LASTSRV: 0, SYNCING: 0, WAITING: 0, OFFLINE: 0 };
  const decided: Decision[] = [];
  for (const state of PUBLIC_STATE_ORDER) {
    for (const input of inputs) {
      if (input.effective !== state) continue;
      const row = matchRow(state, input.local, built);
      input.rows.push(row.id);
      built[row.to] += 1;
      decided.push({ input, to: row.to });
    }
  }

  // 3. Settle: LASTSRV never coexists with SERVING. Settled targets go OFFLINE, behind every other OFFLINE one.
  const settle = (e: Decision): boolean => e.to === SETTLE_ROW.from && holds(SETTLE_ROW.when, built);
  const settled = decided.filter(settle);
  for (const e of settled) e.input.rows.push(SETTLE_ROW.id);

  // 4. Order by new state; within a state, keep decision order.
  const kept = decided.filter((e) => !settled.includes(e));
  const ordered: Decision[] = [
    ...PUBLIC_STATE_ORDER.flatMap((state) => kept.filter((e) => e.to === state)),
    ...settled.map((e) => ({ input: e.input, to: SETTLE_ROW.to })),
  ];
  const targets: ChainTargetInfo[] = ordered.map((e) => ({ targetId: e.input.target.targetId, publicState: e.to }));
  const changed = !sameTargets(chain.targets, targets);
  return {
    chain: changed ? { chainId: chain.chainId, chainVersion: chain.chainVersion + 1, targets } : chain,
    changed,
    transitions: ordered.map((e) => ({
      targetId: e.input.target.targetId,
      from: e.input.target.publicState,
      local: e.input.local,
      to: e.to,
      rows: e.input.rows,
    })),
  };
}

function matchRow(from: PublicTargetState, local: LocalTargetState, built: Counts): TransitionRow {
  const row = TRANSITIONS.find((r) => r.from === from && r.local.includes(local) && holds(r.when, built));
  // The table ends every `from` with an ALWAYS row per local state, so this only fires if the table is edited wrong.
  if (row === undefined) throw GeneralError.INTERNAL(`no transition row for ${from} + ${local}`, { context: { from, local } });
  return row;
}

function holds(guard: TransitionGuard, built: Counts): boolean {
  switch (guard) {
    case 'ALWAYS': return true;
    case 'NO_LASTSRV_YET': return built.LASTSRV === 0;
    case 'NO_SERVING_YET': return built.SERVING === 0;
    case 'SERVING_YET': return built.SERVING > 0;
    case 'SERVING_AND_NO_SYNCING_YET': return built.SERVING > 0 && built.SYNCING === 0;
  }
}

function sameTargets(a: readonly ChainTargetInfo[], b: readonly ChainTargetInfo[]): boolean {
  return a.length === b.length && a.every((t, i) => t.targetId === b[i]?.targetId && t.publicState === b[i]?.publicState);
}

function checkDistinctTargets(chain: ChainInfo): void {
  const ids = new Set(chain.targets.map((t) => t.targetId));
  if (ids.size !== chain.targets.length) {
    throw GeneralError.INVALID_ARGUMENT(`chain ${chain.chainId} lists a target twice`, { context: { chainId: chain.chainId } });
  }
}
