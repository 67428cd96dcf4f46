import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LocalTargetState, PublicTargetState } from '../infra/mgmtd/index.ts';
import { nextLocalStatus, REJOINING } from './local-states.ts';
import type { LocalStatus } from './local-states.ts';

const at = (localState: LocalTargetState): LocalStatus => ({ localState, rejoining: false });

test('the rejoin gate holds a restarted target OFFLINE until mgmtd no longer counts on it', () => {
  for (const held of ['SERVING', 'SYNCING', 'WAITING'] as const) assert.deepEqual(nextLocalStatus(REJOINING, held), REJOINING, held);
  for (const open of ['OFFLINE', 'LASTSRV', null] as const) assert.deepEqual(nextLocalStatus(REJOINING, open), at('ONLINE'), String(open));
});

test('local states follow the public state once past the gate', () => {
  const cases: readonly [LocalTargetState, PublicTargetState, LocalTargetState][] = [
    ['ONLINE', 'SERVING', 'UPTODATE'],
    ['ONLINE', 'SYNCING', 'ONLINE'],
    ['ONLINE', 'WAITING', 'ONLINE'],
    ['ONLINE', 'OFFLINE', 'ONLINE'],
    ['UPTODATE', 'SERVING', 'UPTODATE'],
    ['UPTODATE', 'SYNCING', 'UPTODATE'], // syncDone ran; mgmtd has not flipped it yet
    ['UPTODATE', 'LASTSRV', 'UPTODATE'],
    ['UPTODATE', 'OFFLINE', 'ONLINE'],
    ['UPTODATE', 'WAITING', 'ONLINE'],
  ];
  for (const [from, publicState, to] of cases) assert.equal(nextLocalStatus(at(from), publicState).localState, to, `${from} + ${publicState}`);
});
