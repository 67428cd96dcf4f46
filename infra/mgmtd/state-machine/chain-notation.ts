import { GeneralError } from '../../errors.ts';
import { LOCAL_STATES, PUBLIC_STATE_ORDER } from '../routing/types.ts';
import type { ChainTargetInfo, LocalTargetState, PublicTargetState, TargetId } from '../routing/types.ts';

/**
 * A one-line text form of a chain's targets, for logs, admin output and golden tests:
 * `"1 SERVING, 3 SYNCING, 2 OFFLINE"` (target id, public state; head first). Local states read the same way:
 * `"1 UPTODATE, 3 ONLINE"`. The empty chain is `""`.
 */
export function formatTargets(targets: readonly ChainTargetInfo[]): string {
  return targets.map((t) => `${t.targetId} ${t.publicState}`).join(', ');
}

export function parseTargets(text: string): ChainTargetInfo[] {
  return parsePairs(text, PUBLIC_STATE_ORDER).map(([targetId, publicState]) => ({ targetId, publicState }));
}

export function parseLocalStates(text: string): Map<TargetId, LocalTargetState> {
  return new Map(parsePairs(text, LOCAL_STATES));
}

function parsePairs<S extends PublicTargetState | LocalTargetState>(text: string, states: readonly S[]): [TargetId, S][] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const [id, state, ...rest] = part.trim().split(/\s+/);
    const targetId = Number(id);
    const known = states.find((s) => s === state);
    if (!Number.isSafeInteger(targetId) || known === undefined || rest.length > 0) {
      throw GeneralError.INVALID_ARGUMENT(`expected "<target id> <${states.join('|')}>", got "${part.trim()}"`);
    }
    return [targetId, known];
  });
}
