import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chainViolations } from './chain-invariants.ts';
import { parseTargets } from './chain-notation.ts';

const CASES: readonly (readonly [chain: string, violations: readonly string[]])[] = [
  ['1 SERVING, 2 SERVING, 3 SYNCING, 4 WAITING, 5 OFFLINE', []],
  ['1 LASTSRV, 2 WAITING, 3 OFFLINE', []],
  ['', []],
  ['1 SERVING, 1 OFFLINE', ['a target is listed twice']],
  ['1 OFFLINE, 2 SERVING', ['targets are not ordered SERVING, LASTSRV, SYNCING, WAITING, OFFLINE']],
  ['1 SERVING, 2 WAITING, 3 SYNCING', ['targets are not ordered SERVING, LASTSRV, SYNCING, WAITING, OFFLINE']],
  ['1 SERVING, 2 SYNCING, 3 SYNCING', ['more than one SYNCING target']],
  ['1 LASTSRV, 2 LASTSRV', ['more than one LASTSRV target']],
  ['1 SERVING, 2 LASTSRV', ['SERVING and LASTSRV together']],
  ['1 SYNCING, 2 WAITING', ['SYNCING without a SERVING target to sync from']],
  ['1 LASTSRV, 2 SYNCING', ['SYNCING without a SERVING target to sync from']],
];

for (const [text, violations] of CASES) {
  test(`chainViolations [${text}]`, () => {
    assert.deepEqual(chainViolations({ chainId: 1, chainVersion: 1, targets: parseTargets(text) }), violations);
  });
}
