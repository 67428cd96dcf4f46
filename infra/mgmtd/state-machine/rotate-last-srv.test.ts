import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTargets, parseLocalStates, parseTargets } from './chain-notation.ts';
import { nextChain } from './next-chain.ts';
import { rotateLastSrv } from './rotate-last-srv.ts';

test('rotating a LASTSRV head hands LASTSRV to the next target, which serves once it is up', () => {
  const stuck = { chainId: 4, chainVersion: 9, targets: parseTargets('1 LASTSRV, 2 WAITING, 3 OFFLINE') };
  const rotated = rotateLastSrv(stuck);
  assert.equal(formatTargets(rotated.targets), '2 LASTSRV, 3 OFFLINE, 1 OFFLINE');
  assert.equal(rotated.chainVersion, 10);
  assert.equal(rotated.chainId, 4);

  const next = nextChain(rotated, parseLocalStates('2 ONLINE, 3 ONLINE')).chain;
  assert.equal(formatTargets(next.targets), '2 SERVING, 3 SYNCING, 1 OFFLINE');
  assert.equal(next.chainVersion, 11);
});

test('rotating twice walks down the chain', () => {
  const chain = { chainId: 4, chainVersion: 1, targets: parseTargets('1 LASTSRV, 2 OFFLINE, 3 OFFLINE') };
  const twice = rotateLastSrv(rotateLastSrv(chain));
  assert.equal(formatTargets(twice.targets), '3 LASTSRV, 1 OFFLINE, 2 OFFLINE');
  assert.equal(twice.chainVersion, 3);
});

test('chains without a LASTSRV head, or with one target, are returned unchanged', () => {
  for (const text of ['1 SERVING, 2 OFFLINE', '1 LASTSRV', '1 WAITING, 2 OFFLINE', '']) {
    const chain = { chainId: 4, chainVersion: 2, targets: parseTargets(text) };
    assert.equal(rotateLastSrv(chain), chain, text);
  }
});
