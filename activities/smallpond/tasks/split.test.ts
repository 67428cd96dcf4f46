import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FileEntry } from '../manifest.ts';
import { chunkSizes, splitByFiles, splitByRows } from './split.ts';

const file = (path: string, rows: number): FileEntry => ({ path, rows, range: null });

test('chunk sizes: contiguous, the first count % n chunks get one more (smallpond split_into_rows)', () => {
  assert.deepEqual(chunkSizes(10, 3), [4, 3, 3]);
  assert.deepEqual(chunkSizes(2, 4), [1, 1, 0, 0]);
  for (let count = 0; count < 30; count++) {
    for (let n = 1; n <= 12; n++) assert.equal(chunkSizes(count, n).reduce((a, b) => a + b, 0), count);
  }
});

test('split by files keeps every file exactly once, in order', () => {
  const files = Array.from({ length: 7 }, (_, i) => file(`f${i}`, 10));
  for (let n = 1; n <= 9; n++) {
    const parts = splitByFiles(files, n);
    assert.equal(parts.length, n);
    assert.deepEqual(parts.flat().map((f) => f.path), files.map((f) => f.path));
  }
});

test('split by rows covers every row exactly once with ceil-sized partitions crossing files', () => {
  const files = [file('a', 5), file('b', 0), file('c', 7), file('d', 3)];
  for (let n = 1; n <= 17; n++) {
    const parts = splitByRows(files, n);
    assert.equal(parts.length, n);
    const covered = new Map<string, number[]>();
    for (const part of parts) {
      for (const f of part) {
        const [b, e] = f.range ?? [0, f.rows!];
        const seen = covered.get(f.path) ?? [];
        for (let i = b; i < e; i++) seen.push(i);
        covered.set(f.path, seen);
        assert.equal(f.rows, e - b);
      }
    }
    for (const f of files) assert.deepEqual((covered.get(f.path) ?? []).sort((x, y) => x - y), Array.from({ length: f.rows! }, (_, i) => i));
    const per = Math.ceil(15 / n);
    for (const part of parts) assert.ok(part.reduce((s, f) => s + f.rows!, 0) <= per);
  }
});
