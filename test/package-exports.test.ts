/**
 * The package's entry points resolve by name, as a user imports them, and export their main calls.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'firepond/smallpond': ['init', 'DataFrame', 'runPlan', 'LogicalPlan'],
  'firepond/temporal': ['firepondPlugins', 'createFirepondWorker', 'startDevServer'],
  'firepond/fs': ['connect', 'defaultLayout', 'FileDataClient'],
  'firepond/cluster': ['up', 'down', 'status'],
};

test('package.json exports firepond/smallpond, /temporal, /fs and /cluster, and each resolves by name', async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, string> };
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['./cluster', './fs', './smallpond', './temporal']);
  for (const [name, calls] of Object.entries(EXPECTED)) {
    const mod = (await import(name)) as Record<string, unknown>;
    for (const call of calls) assert.equal(typeof mod[call], 'function', `${name} exports ${call}`);
  }
});
