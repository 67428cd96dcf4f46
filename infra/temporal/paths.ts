import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/** The Temporal CLI version we build; v1.5.1 is the newest tag whose go.mod allows `go install`. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/**
 * The data directory every command works on: an explicit option, else `$FIREPOND_HOME`, else `./.firepond`.
 */
export function resolveDataDir(explicit?: string | null): string {
  const chosen = explicit ?? process.env['FIREPOND_HOME'] ?? '.firepond';
  return resolve(chosen);
}

/** Where the set-up script caches the Temporal CLI build (outside the repository). */
export function temporalCacheDir(): string {
  return process.env['FIREPOND_CACHE_DIR'] ?? join(homedir(), '.cache', 'firepond');
}

/**
 * Finds the `temporal` binary: `$FIREPOND_TEMPORAL_BIN`, then the set-up script's cache, then `PATH`.
 * Returns null when there is none; callers turn that into a SETUP_MISSING error naming `npm run setup`.
 */
export function findTemporalBinary(): string | null {
  const fromEnv = process.env['FIREPOND_TEMPORAL_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : null;
  const cached = join(temporalCacheDir(), `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
  if (existsSync(cached)) return cached;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'temporal');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}
