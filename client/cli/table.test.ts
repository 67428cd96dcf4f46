import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTable } from './table.ts';

test('formatTable pads columns to the widest cell and rules the header', () => {
  const text = formatTable(['ID', 'NAME'], [['1', 'storage-1'], ['100001', 'x']]);
  assert.equal(text, [
    'ID      NAME',
    '------  ---------',
    '1       storage-1',
    '100001  x',
  ].join('\n'));
});

test('formatTable prints only the header for no rows', () => {
  assert.equal(formatTable(['A', 'BB'], []), 'A  BB\n-  --');
});
