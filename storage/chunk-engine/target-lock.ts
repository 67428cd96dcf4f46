import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GeneralError } from '../../infra/errors.ts';

/**
 * One engine per target directory: the allocator's free lists live in memory, so two engines on one directory would
 * hand out the same slots. `LOCK` holds the owner's pid; a lock whose process is gone (kill -9) is taken over.
 */
const heldHere = new Set<string>();

export class TargetLock {
  private released = false;

  private constructor(private readonly path: string) {}

  static async acquire(dir: string): Promise<TargetLock> {
    const path = join(dir, 'LOCK');
    if (heldHere.has(path)) throw inUse(dir, process.pid);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(path, 'wx');
        try {
          await fh.writeFile(`${process.pid}\n`);
        } finally {
          await fh.close();
        }
        heldHere.add(path);
        return new TargetLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) throw inUse(dir, owner);
      await rm(path, { force: true });
    }
    throw GeneralError.INTERNAL(`could not take the lock of target ${dir}`, { context: { dir } });
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.path);
    await rm(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dir: string, pid: number) {
  return GeneralError.INVALID_ARGUMENT(`target ${dir} is open in process ${pid}`, { context: { dir, pid } });
}
