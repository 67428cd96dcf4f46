import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import { formatTargets, parseLocalStates, parseTargets } from './chain-notation.ts';

test('chains and local states round-trip through their text form', () => {
  const targets = parseTargets('3 SERVING, 1 SYNCING,2 OFFLINE');
  assert.deepEqual(targets, [
    { targetId: 3, publicState: 'SERVING' },
    { targetId: 1, publicState: 'SYNCING' },
    { targetId: 2, publicState: 'OFFLINE' },
  ]);
  assert.equal(formatTargets(targets), '3 SERVING, 1 SYNCING, 2 OFFLINE');
  assert.deepEqual([...parseLocalStates('7 UPTODATE, 8 ONLINE')], [[7, 'UPTODATE'], [8, 'ONLINE']]);
  assert.deepEqual(parseTargets('  '), []);
});

test('malformed text is refused', () => {
  for (const bad of ['1 SERVING 2 OFFLINE', 'x SERVING', '1 serving', '1 UPTODATE']) {
    assert.throws(() => parseTargets(bad), (err) => hasCode(err, 'INVALID_ARGUMENT'), bad);
  }
  assert.throws(() => parseLocalStates('1 SERVING'), (err) => hasCode(err, 'INVALID_ARGUMENT'));
});
