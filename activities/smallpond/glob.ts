import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { PipelineError } from '../../infra/errors.ts';

const MAGIC = /[*?[]/;

function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function walkFiles(dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walkFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
}

async function expand(base: string, segments: readonly string[], out: string[]): Promise<void> {
  if (segments.length === 0) {
    out.push(base);
    return;
  }
  const [head, ...rest] = segments as [string, ...string[]];
  if (head === '**') {
    await expand(base, rest, out);
    const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) await expand(join(base, e.name), segments, out);
    return;
  }
  if (!MAGIC.test(head)) {
    await expand(join(base, head), rest, out);
    return;
  }
  const re = segmentRegex(head);
  const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (re.test(e.name)) await expand(join(base, e.name), rest, out);
}

/**
 * Resolves paths and globs (`*`, `?`, `[...]`, `**`) to a sorted list of files. A directory is read whole when
 * `recursive` is set. Every pattern must match at least one file; the error names the one that did not.
 */
export async function resolvePaths(patterns: readonly string[], recursive: boolean): Promise<string[]> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    const abs = isAbsolute(pattern) ? pattern : resolve(pattern);
    const candidates: string[] = [];
    if (MAGIC.test(abs)) await expand(sep, abs.split(sep).filter((s) => s !== ''), candidates);
    else candidates.push(abs);
    const found: string[] = [];
    for (const c of candidates) {
      if (await isDir(c)) {
        if (!recursive) continue;
        await walkFiles(c, found);
      } else if (await stat(c).then((s) => s.isFile(), () => false)) found.push(c);
    }
    if (found.length === 0) {
      const hint = (await isDir(abs)) && !recursive ? 'it is a directory; pass recursive: true or a glob' : 'no file matches';
      throw PipelineError.INPUT_NOT_FOUND(pattern, hint);
    }
    for (const f of found) files.add(f);
  }
  return [...files].sort();
}
