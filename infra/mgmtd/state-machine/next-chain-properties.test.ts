// Properties of nextChain over every well-formed chain of up to four targets and every combination of local
// states, and over long seeded random walks. The expectations are written from the 3FS rules, not from our table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SplitMix64 } from '../placement/splitmix64.ts';
import type { ChainInfo, ChainTargetInfo, LocalTargetState, PublicTargetState, TargetId } from '../routing/types.ts';
import { chainViolations } from './chain-invariants.ts';
import { formatTargets } from './chain-notation.ts';
import { nextChain } from './next-chain.ts';

const PUBLIC: readonly PublicTargetState[] = ['SERVING', 'LASTSRV', 'SYNCING', 'WAITING', 'OFFLINE'];
const LOCAL: readonly LocalTargetState[] = ['UPTODATE', 'ONLINE', 'OFFLINE'];

/** Which public states a target may move to, by its old public state and its local state. */
const ALLOWED: Record<PublicTargetState, Record<LocalTargetState, readonly PublicTargetState[]>> = {
  SERVING: { UPTODATE: ['SERVING'], ONLINE: ['SERVING'], OFFLINE: ['LASTSRV', 'OFFLINE'] },
  LASTSRV: { UPTODATE: ['SERVING'], ONLINE: ['SERVING'], OFFLINE: ['LASTSRV', 'OFFLINE'] },
  SYNCING: { UPTODATE: ['SERVING'], ONLINE: ['SYNCING', 'WAITING'], OFFLINE: ['OFFLINE'] },
  WAITING: { UPTODATE: ['WAITING'], ONLINE: ['WAITING', 'SYNCING'], OFFLINE: ['OFFLINE'] },
  OFFLINE: { UPTODATE: ['WAITING'], ONLINE: ['WAITING', 'SYNCING'], OFFLINE: ['OFFLINE'] },
};

function product<T>(values: readonly T[], n: number): T[][] {
  return n === 0 ? [[]] : product(values, n - 1).flatMap((rest) => values.map((v) => [...rest, v]));
}

/** Every property of one step from a well-formed chain; returns the first broken one, or null. */
function brokenProperty(before: ChainInfo, local: ReadonlyMap<TargetId, LocalTargetState>): string | null {
  const step = nextChain(before, local);
  const after = step.chain.targets;
  const stateAfter = new Map(after.map((t) => [t.targetId, t.publicState]));
  const has = (ts: readonly ChainTargetInfo[], s: PublicTargetState): boolean => ts.some((t) => t.publicState === s);

  const violations = chainViolations(step.chain);
  if (violations.length > 0) return violations.join('; ');
  if ([...stateAfter.keys()].sort().join() !== before.targets.map((t) => t.targetId).sort().join()) return 'target set changed';
  for (const t of before.targets) {
    const ls = local.get(t.targetId) ?? 'OFFLINE';
    const to = stateAfter.get(t.targetId)!;
    if (!ALLOWED[t.publicState][ls].includes(to)) return `${t.targetId}: ${t.publicState} + ${ls} -> ${to} is not allowed`;
    const publicUp = to === 'SERVING' || to === 'SYNCING' || to === 'WAITING';
    if (publicUp !== (ls !== 'OFFLINE')) return `${t.targetId}: public ${to} disagrees with local ${ls}`;
  }
  // SERVING targets keep their relative order (a reordering would reverse the write path).
  const servingBefore = before.targets.filter((t) => t.publicState === 'SERVING' && stateAfter.get(t.targetId) === 'SERVING');
  const servingAfter = after.filter((t) => servingBefore.some((b) => b.targetId === t.targetId));
  if (formatTargets(servingBefore) !== formatTargets(servingAfter)) return 'SERVING targets changed order';
  // Every new SERVING set overlaps the old SERVING or SYNCING targets: data is never handed to a stranger.
  if (has(before.targets, 'SERVING') && has(after, 'SERVING')) {
    const continued = before.targets.some((t) => (t.publicState === 'SERVING' || t.publicState === 'SYNCING') && stateAfter.get(t.targetId) === 'SERVING');
    if (!continued) return 'new SERVING targets share nothing with the old ones';
  }
  // If nothing serves any more, the first old SERVING target is kept as LASTSRV, the others OFFLINE.
  if (!has(after, 'SERVING')) {
    const oldServing = before.targets.filter((t) => t.publicState === 'SERVING');
    if (oldServing.some((t, i) => stateAfter.get(t.targetId) !== (i === 0 ? 'LASTSRV' : 'OFFLINE'))) return 'LASTSRV not kept';
  }
  // A chain that had a replica with every committed write keeps one (SERVING, or LASTSRV to wait for).
  if ((has(before.targets, 'SERVING') || has(before.targets, 'LASTSRV')) && !has(after, 'SERVING') && !has(after, 'LASTSRV')) {
    return 'the chain lost its last complete replica';
  }
  // Unchanged local states change nothing more after one step.
  const again = nextChain(step.chain, local);
  if (again.changed) return `not stable: ${formatTargets(after)} -> ${formatTargets(again.chain.targets)}`;
  if (step.chain.chainVersion !== before.chainVersion + (step.changed ? 1 : 0)) return 'version did not follow the change';
  return null;
}

test('every well-formed chain of 1 to 4 targets, under every combination of local states, steps by the rules', () => {
  let checked = 0;
  for (let n = 1; n <= 4; n++) {
    for (const states of product(PUBLIC, n)) {
      const chain: ChainInfo = { chainId: 1, chainVersion: 1, targets: states.map((s, i) => ({ targetId: i + 1, publicState: s })) };
      if (chainViolations(chain).length > 0) continue;
      for (const locals of product(LOCAL, n)) {
        const local = new Map(locals.map((ls, i) => [i + 1, ls]));
        const broken = brokenProperty(chain, local);
        assert.equal(broken, null, `${formatTargets(chain.targets)} with [${locals.join(', ')}]`);
        checked++;
      }
    }
  }
  // Well-formed chains of n targets: with a LASTSRV (no SERVING, no SYNCING) n; with a SYNCING (≥ 1 SERVING)
  // n(n−1)/2; with neither (n+1)(n+2)/2. So 4, 9, 16, 25 chains for n = 1…4, each under 3^n local states.
  assert.equal(checked, 4 * 3 + 9 * 9 + 16 * 27 + 25 * 81);
});

test('random walks keep every rule, and a healed cluster always ends fully SERVING', () => {
  const rng = new SplitMix64(20260412n);
  for (let walk = 0; walk < 40; walk++) {
    const n = 1 + rng.nextBelow(5);
    let chain: ChainInfo = { chainId: 1, chainVersion: 1, targets: Array.from({ length: n }, (_, i) => ({ targetId: i + 1, publicState: 'SERVING' })) };
    for (let step = 0; step < 200; step++) {
      const local = new Map(chain.targets.map((t) => [t.targetId, LOCAL[rng.nextBelow(3)]!]));
      assert.equal(brokenProperty(chain, local), null, `walk ${walk} step ${step}: ${formatTargets(chain.targets)}`);
      chain = nextChain(chain, local).chain;
    }
    // Heal: every node is up; a storage node reports UPTODATE while SERVING, finishes a sync within a round, and
    // reports ONLINE otherwise (the rejoin rule: never trust itself complete while WAITING or OFFLINE).
    for (let round = 0; round < n + 2; round++) {
      const local = new Map(chain.targets.map((t) => [t.targetId, t.publicState === 'SERVING' || t.publicState === 'SYNCING' ? 'UPTODATE' as const : 'ONLINE' as const]));
      chain = nextChain(chain, local).chain;
    }
    assert.ok(chain.targets.every((t) => t.publicState === 'SERVING'), `walk ${walk} did not heal: ${formatTargets(chain.targets)}`);
  }
});
