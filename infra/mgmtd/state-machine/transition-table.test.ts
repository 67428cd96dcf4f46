// Golden tests, one or more per row of the transition table: the input chain, the local states heartbeats reported,
// the next chain, and which rows each target took. A final test checks every row id is exercised here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTargets, parseLocalStates, parseTargets } from './chain-notation.ts';
import { nextChain } from './next-chain.ts';
import { REPAIRS, SETTLE_ROW, TRANSITIONS } from './transition-table.ts';

interface Golden {
  readonly name: string;
  readonly chain: string;
  readonly local: string;
  readonly next: string;
  /** Row ids per target id, e.g. { 1: [2, 17] }. */
  readonly rows: Readonly<Record<number, readonly number[]>>;
}

const GOLDEN: readonly Golden[] = [
  { name: 'row 1: SERVING stays while UPTODATE or ONLINE', chain: '1 SERVING, 2 SERVING', local: '1 UPTODATE, 2 ONLINE', next: '1 SERVING, 2 SERVING', rows: { 1: [1], 2: [1] } },
  { name: 'row 2: the last SERVING to die becomes LASTSRV', chain: '1 SERVING', local: '1 OFFLINE', next: '1 LASTSRV', rows: { 1: [2] } },
  { name: 'rows 2, 3: all SERVING die at once, the head becomes LASTSRV', chain: '1 SERVING, 2 SERVING, 3 SERVING', local: '', next: '1 LASTSRV, 2 OFFLINE, 3 OFFLINE', rows: { 1: [2], 2: [3], 3: [3] } },
  { name: 'rows 2, 17: a dead SERVING with a live one goes OFFLINE, to the end', chain: '1 SERVING, 2 SERVING, 3 OFFLINE', local: '2 ONLINE', next: '2 SERVING, 3 OFFLINE, 1 OFFLINE', rows: { 1: [2, 17], 2: [1], 3: [16] } },
  { name: 'row 4: LASTSRV back ONLINE serves again', chain: '1 LASTSRV, 2 OFFLINE', local: '1 ONLINE', next: '1 SERVING, 2 OFFLINE', rows: { 1: [4], 2: [16] } },
  { name: 'row 4: LASTSRV back UPTODATE serves again', chain: '1 LASTSRV, 2 OFFLINE', local: '1 UPTODATE', next: '1 SERVING, 2 OFFLINE', rows: { 1: [4], 2: [16] } },
  { name: 'row 5: LASTSRV still down, the chain waits', chain: '1 LASTSRV, 2 OFFLINE', local: '2 ONLINE', next: '1 LASTSRV, 2 WAITING', rows: { 1: [5], 2: [15] } },
  { name: 'row 6: LASTSRV next to a SERVING target goes OFFLINE', chain: '1 SERVING, 2 LASTSRV', local: '1 ONLINE, 2 ONLINE', next: '1 SERVING, 2 OFFLINE', rows: { 1: [1], 2: [6] } },
  { name: 'row 7: SYNCING reports UPTODATE and joins the SERVING group', chain: '1 SERVING, 2 SYNCING', local: '1 UPTODATE, 2 UPTODATE', next: '1 SERVING, 2 SERVING', rows: { 1: [1], 2: [7] } },
  { name: 'row 8: SYNCING stays while ONLINE and a SERVING exists', chain: '1 SERVING, 2 SYNCING', local: '1 UPTODATE, 2 ONLINE', next: '1 SERVING, 2 SYNCING', rows: { 1: [1], 2: [8] } },
  { name: 'row 9: SYNCING loses its source and waits', chain: '1 SERVING, 2 SYNCING', local: '2 ONLINE', next: '1 LASTSRV, 2 WAITING', rows: { 1: [2], 2: [9] } },
  { name: 'row 10: SYNCING goes down', chain: '1 SERVING, 2 SYNCING', local: '1 UPTODATE', next: '1 SERVING, 2 OFFLINE', rows: { 1: [1], 2: [10] } },
  { name: 'row 11: WAITING starts syncing', chain: '1 SERVING, 2 WAITING', local: '1 UPTODATE, 2 ONLINE', next: '1 SERVING, 2 SYNCING', rows: { 1: [1], 2: [11] } },
  { name: 'row 12: WAITING keeps waiting while another target syncs', chain: '1 SERVING, 2 SYNCING, 3 WAITING', local: '1 UPTODATE, 2 ONLINE, 3 ONLINE', next: '1 SERVING, 2 SYNCING, 3 WAITING', rows: { 1: [1], 2: [8], 3: [12] } },
  { name: 'row 12: WAITING keeps waiting with no SERVING target', chain: '1 LASTSRV, 2 WAITING', local: '2 ONLINE', next: '1 LASTSRV, 2 WAITING', rows: { 1: [5], 2: [12] } },
  { name: 'row 12: WAITING claiming UPTODATE is not trusted', chain: '1 SERVING, 2 WAITING', local: '1 UPTODATE, 2 UPTODATE', next: '1 SERVING, 2 WAITING', rows: { 1: [1], 2: [12] } },
  { name: 'row 13: WAITING goes down', chain: '1 SERVING, 2 WAITING', local: '1 UPTODATE', next: '1 SERVING, 2 OFFLINE', rows: { 1: [1], 2: [13] } },
  { name: 'row 14: OFFLINE back ONLINE starts syncing at once', chain: '1 SERVING, 2 OFFLINE', local: '1 UPTODATE, 2 ONLINE', next: '1 SERVING, 2 SYNCING', rows: { 1: [1], 2: [14] } },
  { name: 'row 15: OFFLINE back while another target syncs waits', chain: '1 SERVING, 2 SYNCING, 3 OFFLINE', local: '1 UPTODATE, 2 ONLINE, 3 ONLINE', next: '1 SERVING, 2 SYNCING, 3 WAITING', rows: { 1: [1], 2: [8], 3: [15] } },
  { name: 'row 15: OFFLINE back claiming UPTODATE waits', chain: '1 SERVING, 2 OFFLINE', local: '1 UPTODATE, 2 UPTODATE', next: '1 SERVING, 2 WAITING', rows: { 1: [1], 2: [15] } },
  { name: 'row 16: OFFLINE stays down', chain: '1 SERVING, 2 OFFLINE', local: '1 UPTODATE', next: '1 SERVING, 2 OFFLINE', rows: { 1: [1], 2: [16] } },
  { name: 'row 17: a provisional LASTSRV is settled when a SYNCING target finishes in the same round', chain: '1 SERVING, 2 SYNCING', local: '2 UPTODATE', next: '2 SERVING, 1 OFFLINE', rows: { 1: [2, 17], 2: [7] } },
  // Repairs: inputs no step produces. 3FS would let target 2 serve here; it may lack target 1's last writes.
  { name: 'row 18: a second LASTSRV is decided as OFFLINE', chain: '1 LASTSRV, 2 LASTSRV', local: '2 ONLINE', next: '1 LASTSRV, 2 WAITING', rows: { 1: [5], 2: [18, 15] } },
  { name: 'row 19: a second SYNCING is decided as WAITING', chain: '1 SERVING, 2 SYNCING, 3 SYNCING', local: '1 UPTODATE, 2 ONLINE, 3 ONLINE', next: '1 SERVING, 2 SYNCING, 3 WAITING', rows: { 1: [1], 2: [8], 3: [19, 12] } },
];

for (const golden of GOLDEN) {
  test(golden.name, () => {
    const chain = { chainId: 7, chainVersion: 10, targets: parseTargets(golden.chain) };
    const step = nextChain(chain, parseLocalStates(golden.local));
    assert.equal(formatTargets(step.chain.targets), golden.next);
    const rows = Object.fromEntries(step.transitions.map((t) => [t.targetId, t.rows]));
    assert.deepEqual(rows, golden.rows);
    const changed = golden.next !== golden.chain;
    assert.equal(step.changed, changed);
    assert.equal(step.chain.chainVersion, changed ? 11 : 10);
    assert.equal(step.chain.chainId, 7);
  });
}

test('the golden cases take every row of the table', () => {
  const taken = new Set(GOLDEN.flatMap((g) => {
    const step = nextChain({ chainId: 1, chainVersion: 1, targets: parseTargets(g.chain) }, parseLocalStates(g.local));
    return step.transitions.flatMap((t) => t.rows);
  }));
  const all = [...TRANSITIONS.map((r) => r.id), SETTLE_ROW.id, ...REPAIRS.map((r) => r.id)].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 19 }, (_, i) => i + 1));
  assert.deepEqual([...taken].sort((a, b) => a - b), all);
});

test('every (public state, local state) pair has a row that always matches', () => {
  // Without this, a guard failing would leave a target undecided.
  for (const from of ['SERVING', 'LASTSRV', 'SYNCING', 'WAITING', 'OFFLINE'] as const) {
    for (const local of ['UPTODATE', 'ONLINE', 'OFFLINE'] as const) {
      assert.ok(TRANSITIONS.some((r) => r.from === from && r.local.includes(local) && r.when === 'ALWAYS'), `${from} + ${local}`);
    }
  }
});
