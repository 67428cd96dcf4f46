// Multi-step scenarios: each step is the local states heartbeats reported, then the chain and version expected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import type { ChainInfo } from '../routing/types.ts';
import { chainViolations } from './chain-invariants.ts';
import { formatTargets, parseLocalStates, parseTargets } from './chain-notation.ts';
import { nextChain } from './next-chain.ts';

type Step = readonly [local: string, next: string, version: number];

function play(start: string, steps: readonly Step[]): void {
  let chain: ChainInfo = { chainId: 1, chainVersion: 1, targets: parseTargets(start) };
  steps.forEach(([local, next, version], i) => {
    chain = nextChain(chain, parseLocalStates(local)).chain;
    assert.equal(formatTargets(chain.targets), next, `step ${i + 1} (${local})`);
    assert.equal(chain.chainVersion, version, `version after step ${i + 1} (${local})`);
    assert.deepEqual(chainViolations(chain), [], `step ${i + 1}`);
  });
}

test('head dies: the next target becomes head; it returns, syncs and becomes the tail', () => {
  play('1 SERVING, 2 SERVING, 3 SERVING', [
    ['1 UPTODATE, 2 UPTODATE, 3 UPTODATE', '1 SERVING, 2 SERVING, 3 SERVING', 1],
    ['2 UPTODATE, 3 UPTODATE', '2 SERVING, 3 SERVING, 1 OFFLINE', 2],
    ['2 UPTODATE, 3 UPTODATE', '2 SERVING, 3 SERVING, 1 OFFLINE', 2],
    ['1 ONLINE, 2 UPTODATE, 3 UPTODATE', '2 SERVING, 3 SERVING, 1 SYNCING', 3],
    ['1 ONLINE, 2 UPTODATE, 3 UPTODATE', '2 SERVING, 3 SERVING, 1 SYNCING', 3],
    ['1 UPTODATE, 2 UPTODATE, 3 UPTODATE', '2 SERVING, 3 SERVING, 1 SERVING', 4],
  ]);
});

test('tail dies: it moves nowhere but OFFLINE; the middle target is the new tail', () => {
  play('1 SERVING, 2 SERVING, 3 SERVING', [
    ['1 UPTODATE, 2 UPTODATE', '1 SERVING, 2 SERVING, 3 OFFLINE', 2],
    ['1 UPTODATE, 2 UPTODATE, 3 ONLINE', '1 SERVING, 2 SERVING, 3 SYNCING', 3],
    ['1 UPTODATE, 2 UPTODATE, 3 UPTODATE', '1 SERVING, 2 SERVING, 3 SERVING', 4],
  ]);
});

test('middle dies: the chain closes around it', () => {
  play('1 SERVING, 2 SERVING, 3 SERVING', [['1 UPTODATE, 3 UPTODATE', '1 SERVING, 3 SERVING, 2 OFFLINE', 2]]);
});

test('all die one by one, then the last serving one returns first and the rest resync one at a time', () => {
  play('1 SERVING, 2 SERVING, 3 SERVING', [
    ['2 UPTODATE, 3 UPTODATE', '2 SERVING, 3 SERVING, 1 OFFLINE', 2],
    ['3 UPTODATE', '3 SERVING, 1 OFFLINE, 2 OFFLINE', 3],
    // 3 was the last serving replica: it alone holds every committed write.
    ['', '3 LASTSRV, 1 OFFLINE, 2 OFFLINE', 4],
    ['', '3 LASTSRV, 1 OFFLINE, 2 OFFLINE', 4],
    // 1 and 2 return first: no SERVING replica to sync from, so they wait, even when they claim UPTODATE.
    ['1 ONLINE', '3 LASTSRV, 1 WAITING, 2 OFFLINE', 5],
    ['1 ONLINE, 2 UPTODATE', '3 LASTSRV, 1 WAITING, 2 WAITING', 6],
    ['1 ONLINE, 2 ONLINE', '3 LASTSRV, 1 WAITING, 2 WAITING', 6],
    // 3 returns: it serves at once; 1 (waiting longest, first in order) starts syncing, 2 keeps waiting.
    ['1 ONLINE, 2 ONLINE, 3 ONLINE', '3 SERVING, 1 SYNCING, 2 WAITING', 7],
    ['1 ONLINE, 2 ONLINE, 3 UPTODATE', '3 SERVING, 1 SYNCING, 2 WAITING', 7],
    // 1 finishes; in the same round 2 takes the free sync slot.
    ['1 UPTODATE, 2 ONLINE, 3 UPTODATE', '3 SERVING, 1 SERVING, 2 SYNCING', 8],
    ['1 UPTODATE, 2 UPTODATE, 3 UPTODATE', '3 SERVING, 1 SERVING, 2 SERVING', 9],
    ['1 UPTODATE, 2 UPTODATE, 3 UPTODATE', '3 SERVING, 1 SERVING, 2 SERVING', 9],
  ]);
});

test('all die in the same round: the head is kept as LASTSRV and the chain waits for it', () => {
  play('1 SERVING, 2 SERVING, 3 SERVING', [
    ['', '1 LASTSRV, 2 OFFLINE, 3 OFFLINE', 2],
    ['2 ONLINE, 3 ONLINE', '1 LASTSRV, 2 WAITING, 3 WAITING', 3],
    ['1 ONLINE, 2 ONLINE, 3 ONLINE', '1 SERVING, 2 SYNCING, 3 WAITING', 4],
  ]);
});

test('two targets return at once: only one syncs, the other follows when it finishes', () => {
  play('1 SERVING, 2 OFFLINE, 3 OFFLINE', [
    ['1 UPTODATE, 2 ONLINE, 3 ONLINE', '1 SERVING, 2 SYNCING, 3 WAITING', 2],
    ['1 UPTODATE, 2 ONLINE, 3 ONLINE', '1 SERVING, 2 SYNCING, 3 WAITING', 2],
    ['1 UPTODATE, 2 UPTODATE, 3 ONLINE', '1 SERVING, 2 SERVING, 3 SYNCING', 3],
    ['1 UPTODATE, 2 UPTODATE, 3 UPTODATE', '1 SERVING, 2 SERVING, 3 SERVING', 4],
  ]);
});

test('a finished sync is appended after the last SERVING target, ahead of the rest', () => {
  play('1 SERVING, 2 SERVING, 3 SYNCING, 4 WAITING, 5 OFFLINE', [
    ['1 UPTODATE, 2 UPTODATE, 3 UPTODATE, 4 ONLINE', '1 SERVING, 2 SERVING, 3 SERVING, 4 SYNCING, 5 OFFLINE', 2],
  ]);
});

test('the syncing target dies: the waiting one takes the sync slot in the same round', () => {
  play('1 SERVING, 2 SYNCING, 3 WAITING', [['1 UPTODATE, 3 ONLINE', '1 SERVING, 3 SYNCING, 2 OFFLINE', 2]]);
});

test('the head dies during a sync: the sync goes on from the new chain', () => {
  play('1 SERVING, 2 SERVING, 3 SYNCING', [['2 UPTODATE, 3 ONLINE', '2 SERVING, 3 SYNCING, 1 OFFLINE', 2]]);
});

test('the only SERVING target dies during a sync: the syncing one waits for it', () => {
  play('1 SERVING, 2 SYNCING', [
    ['2 ONLINE', '1 LASTSRV, 2 WAITING', 2],
    ['1 ONLINE, 2 ONLINE', '1 SERVING, 2 SYNCING', 3],
  ]);
});

test('the only SERVING target dies as the sync finishes: the synced one serves alone', () => {
  play('1 SERVING, 2 SYNCING', [
    ['2 UPTODATE', '2 SERVING, 1 OFFLINE', 2],
    ['1 ONLINE, 2 UPTODATE', '2 SERVING, 1 SYNCING', 3],
  ]);
});

test('a single-replica chain: down is LASTSRV, back is SERVING', () => {
  play('1 SERVING', [
    ['', '1 LASTSRV', 2],
    ['1 OFFLINE', '1 LASTSRV', 2],
    ['1 ONLINE', '1 SERVING', 3],
    ['1 UPTODATE', '1 SERVING', 3],
  ]);
});

test('the version does not move when only local states change', () => {
  play('1 SERVING, 2 SYNCING, 3 WAITING', [
    ['1 UPTODATE, 2 ONLINE, 3 ONLINE', '1 SERVING, 2 SYNCING, 3 WAITING', 1],
    ['1 ONLINE, 2 ONLINE, 3 UPTODATE', '1 SERVING, 2 SYNCING, 3 WAITING', 1],
  ]);
  const chain = { chainId: 1, chainVersion: 41, targets: parseTargets('1 SERVING, 2 SERVING') };
  const step = nextChain(chain, parseLocalStates('1 UPTODATE, 2 ONLINE'));
  assert.equal(step.changed, false);
  assert.equal(step.chain, chain);
});

test('the version moves once per step, however many targets change', () => {
  play('1 SERVING, 2 SERVING, 3 OFFLINE, 4 OFFLINE', [
    ['3 ONLINE, 4 ONLINE', '1 LASTSRV, 3 WAITING, 4 WAITING, 2 OFFLINE', 2],
  ]);
});

test('an out-of-order chain is put in order, and that is a change', () => {
  const step = nextChain({ chainId: 1, chainVersion: 5, targets: parseTargets('2 OFFLINE, 1 SERVING') }, parseLocalStates('1 UPTODATE'));
  assert.equal(formatTargets(step.chain.targets), '1 SERVING, 2 OFFLINE');
  assert.equal(step.chain.chainVersion, 6);
});

test('targets without a heartbeat count as OFFLINE', () => {
  const step = nextChain({ chainId: 1, chainVersion: 1, targets: parseTargets('1 SERVING, 2 SERVING') }, new Map());
  assert.equal(formatTargets(step.chain.targets), '1 LASTSRV, 2 OFFLINE');
  assert.deepEqual(step.transitions.map((t) => t.local), ['OFFLINE', 'OFFLINE']);
});

test('local states of targets outside the chain are ignored', () => {
  const step = nextChain({ chainId: 1, chainVersion: 1, targets: parseTargets('1 SERVING') }, parseLocalStates('1 UPTODATE, 9 OFFLINE'));
  assert.equal(step.changed, false);
});

test('an empty chain stays empty', () => {
  const step = nextChain({ chainId: 1, chainVersion: 3, targets: [] }, new Map());
  assert.deepEqual(step, { chain: { chainId: 1, chainVersion: 3, targets: [] }, changed: false, transitions: [] });
});

test('a chain listing a target twice is refused', () => {
  assert.throws(
    () => nextChain({ chainId: 1, chainVersion: 1, targets: parseTargets('1 SERVING, 1 OFFLINE') }, new Map()),
    (err) => hasCode(err, 'INVALID_ARGUMENT'),
  );
});

test('the input chain is not modified', () => {
  const chain = { chainId: 1, chainVersion: 1, targets: parseTargets('1 SERVING, 2 SERVING') };
  const copy = structuredClone(chain);
  nextChain(chain, new Map());
  assert.deepEqual(chain, copy);
});
