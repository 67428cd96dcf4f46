import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { hasCode } from '../errors.ts';
import { loadOrCreateClusterSecret, SECRET_FILE_NAME } from './secret.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(process.env.FIREPOND_TEST_TMP ?? tmpdir(), 'rpc-secret-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const refused = (reason: RegExp) => (err: unknown) => hasCode(err, 'RPC_BAD_SECRET_FILE') && reason.test(err.message);

test('creates a 0600 file of 64 hex digits once, then reads the same secret', async (t) => {
  const dir = join(await tempDir(t), 'nested', 'data');
  const secret = await loadOrCreateClusterSecret(dir);
  assert.match(secret, /^[0-9a-f]{64}$/);
  assert.equal((await stat(join(dir, SECRET_FILE_NAME))).mode & 0o777, 0o600);
  assert.equal(await loadOrCreateClusterSecret(dir), secret);
});

test('processes starting together agree on one secret', async (t) => {
  const dir = await tempDir(t);
  const secrets = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateClusterSecret(dir)));
  assert.equal(new Set(secrets).size, 1);
});

test('refuses a secret file that group or others can access', async (t) => {
  const dir = await tempDir(t);
  await loadOrCreateClusterSecret(dir);
  for (const mode of [0o644, 0o640, 0o604, 0o660, 0o602]) {
    await chmod(join(dir, SECRET_FILE_NAME), mode);
    await assert.rejects(loadOrCreateClusterSecret(dir), refused(/lets group or others access it/), mode.toString(8));
  }
  await chmod(join(dir, SECRET_FILE_NAME), 0o400);
  assert.match(await loadOrCreateClusterSecret(dir), /^[0-9a-f]{64}$/);
});

test('refuses malformed contents and symbolic links', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, SECRET_FILE_NAME), 'not-a-secret\n', { mode: 0o600 });
  await assert.rejects(loadOrCreateClusterSecret(dir), refused(/not 64 hex digits/));

  const other = await tempDir(t);
  const target = join(other, 'real.secret');
  await writeFile(target, `${'b'.repeat(64)}\n`, { mode: 0o600 });
  await symlink(target, join(other, SECRET_FILE_NAME));
  await assert.rejects(loadOrCreateClusterSecret(other), refused(/symbolic link/));
});
