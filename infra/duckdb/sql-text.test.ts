import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDuckDB } from './session.ts';
import { readRows } from './read-rows.ts';
import { sqlIdent, sqlString } from './sql-text.ts';

test('sqlString doubles single quotes and nothing else', () => {
  assert.equal(sqlString("it's"), "'it''s'");
  assert.equal(sqlString(''), "''");
  assert.equal(sqlString('a"b\\c'), `'a"b\\c'`);
});

test('sqlIdent doubles double quotes', () => {
  assert.equal(sqlIdent('col'), '"col"');
  assert.equal(sqlIdent('my "col"'), '"my ""col"""');
});

test('quoted text survives a trip through DuckDB unchanged', async (t) => {
  const session = await openDuckDB({ threads: 1, memoryLimit: null });
  t.after(() => session.close());
  const tricky = `it's a "test" \\ ; -- not a comment`;
  const rows = await readRows(session.connection, `SELECT ${sqlString(tricky)} AS ${sqlIdent(tricky)}, 1 AS ${sqlIdent('select')}`);
  assert.deepEqual(rows, [{ [tricky]: tricky, select: 1 }]);
});
