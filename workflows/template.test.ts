import assert from 'node:assert/strict';
import { test } from 'node:test';
import { placeholdersOf, renderTemplate } from './template.ts';

test('positional and named placeholders are replaced; unknown ones and brace literals survive', () => {
  const values = { 0: 'v0', 1: 'v1', __data_partition__: '3' };
  assert.equal(renderTemplate('select * from {0} join {1} using (k) where p = {__data_partition__}', values),
    'select * from v0 join v1 using (k) where p = 3');
  assert.equal(renderTemplate("select {'a': 1} as s, {rand_seed} from {0}", values), "select {'a': 1} as s, {rand_seed} from v0");
  assert.equal(renderTemplate('select {{0}} as literal from {0}', values), 'select {0} as literal from v0');
});

test('without unescaping, doubled braces stay doubled for a later render (optimizer fusion)', () => {
  const once = renderTemplate('select {{x}}, {y} from {0}', { 0: '(inner {1})' }, { unescape: false });
  assert.equal(once, 'select {{x}}, {y} from (inner {1})');
  assert.equal(renderTemplate(once, { 1: 'v1', y: 'Y' }), 'select {x}, Y from (inner v1)');
});

test('placeholdersOf lists each name once', () => {
  assert.deepEqual(placeholdersOf('{0} {0} {a} {{b}} {1}').sort(), ['0', '1', 'a']);
});
