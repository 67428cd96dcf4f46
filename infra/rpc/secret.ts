import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, mkdir, open, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RpcError } from '../errors.ts';

export const SECRET_FILE_NAME = 'cluster.secret';
const SECRET_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The cluster secret of a data directory: `<dataDir>/cluster.secret`, 32 random bytes as hex, mode 0600. Creates it
 * when missing; refuses (RPC_BAD_SECRET_FILE) a file that group or others may read or write, that another user owns,
 * that is not a regular file, or whose contents are not 64 hex digits.
 *
 * Creation writes a private temporary file and hard-links it into place, so two processes starting together agree
 * on one secret and nobody ever reads a half-written file.
 */
export async function loadOrCreateClusterSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, SECRET_FILE_NAME);
  const existing = await readSecretFile(path);
  if (existing !== null) return existing;
  await mkdir(dataDir, { recursive: true });
  const tmp = join(dataDir, `.${SECRET_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600); // a umask cannot widen the mode, but make the intent explicit
    await link(tmp, path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err; // lost the race: the other process's secret wins
    });
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const created = await readSecretFile(path);
  if (created === null) throw RpcError.BAD_SECRET_FILE(path, 'vanished right after creation');
  return created;
}

/** The secret in `path`, or null when the file does not exist. */
async function readSecretFile(path: string): Promise<string | null> {
  let handle;
  try {
    // O_NOFOLLOW: a symlink planted in the data dir is refused, not followed.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw RpcError.BAD_SECRET_FILE(path, 'is a symbolic link', err);
    throw RpcError.BAD_SECRET_FILE(path, `cannot open: ${(err as Error).message}`, err);
  }
  try {
    // fstat on the open descriptor: the checks apply to exactly the file we read.
    const stat = await handle.stat();
    if (!stat.isFile()) throw RpcError.BAD_SECRET_FILE(path, 'not a regular file');
    if (process.platform !== 'win32') {
      if ((stat.mode & 0o077) !== 0) {
        throw RpcError.BAD_SECRET_FILE(path, `mode ${(stat.mode & 0o777).toString(8)} lets group or others access it; run chmod 600`);
      }
      const uid = process.getuid?.();
      if (uid !== undefined && uid !== 0 && stat.uid !== uid) throw RpcError.BAD_SECRET_FILE(path, `owned by uid ${stat.uid}, not ${uid}`);
    }
    const text = (await handle.readFile('utf8')).trim();
    if (!SECRET_PATTERN.test(text)) throw RpcError.BAD_SECRET_FILE(path, 'contents are not 64 hex digits');
    return text;
  } finally {
    await handle.close();
  }
}
