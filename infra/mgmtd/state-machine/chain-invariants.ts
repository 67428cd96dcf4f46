import { PUBLIC_STATE_ORDER } from '../routing/types.ts';
import type { ChainInfo, PublicTargetState } from '../routing/types.ts';

/**
 * The rules every chain that `nextChain` returns obeys (given a chain that obeyed them). Returns one line per broken
 * rule, empty when the chain is well formed; mgmtd uses it to refuse bad chains from admins, tests to check steps.
 */
export function chainViolations(chain: ChainInfo): string[] {
  const out: string[] = [];
  const count = (state: PublicTargetState): number => chain.targets.filter((t) => t.publicState === state).length;

  if (new Set(chain.targets.map((t) => t.targetId)).size !== chain.targets.length) out.push('a target is listed twice');
  const ranks = chain.targets.map((t) => PUBLIC_STATE_ORDER.indexOf(t.publicState));
  if (ranks.some((rank, i) => i > 0 && rank < (ranks[i - 1] ?? rank))) {
    out.push('targets are not ordered SERVING, LASTSRV, SYNCING, WAITING, OFFLINE');
  }
  if (count('SYNCING') > 1) out.push('more than one SYNCING target');
  if (count('LASTSRV') > 1) out.push('more than one LASTSRV target');
  if (count('SERVING') > 0 && count('LASTSRV') > 0) out.push('SERVING and LASTSRV together');
  if (count('SYNCING') > 0 && count('SERVING') === 0) out.push('SYNCING without a SERVING target to sync from');
  return out;
}
