/**
 * firepond/fs data path against a real local cluster (`up` without Temporal: mgmtd ×2, storage ×3, two chains of
 * three replicas): MiBs written at unaligned offsets over many 64 KiB chunks striped over both chains read back
 * byte for byte, holes read as zeros, the length comes from last-chunk queries, and bad input fails clearly.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, defaultLayout } from '../client/fs/index.ts';
import type { FileRef } from '../client/fs/index.ts';
import { mgmtdAddresses, up } from '../infra/cluster/index.ts';
import { hasCode } from '../infra/errors.ts';
import { loadOrCreateClusterSecret } from '../infra/rpc/index.ts';
import { clusterDataDir } from './lib/cluster-dir.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

test('connect without a running cluster is SERVER_UNAVAILABLE', async (t) => {
  const dataDir = mkdtempSync(join(process.env['FIREPOND_TEST_TMP'] ?? tmpdir(), 'fp-fs-none-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  await assert.rejects(connect({ dataDir }), (e) => hasCode(e, 'SERVER_UNAVAILABLE') && /firepond up/.test(e.message));
  await assert.rejects(connect({ mgmtd: ' , ', secret: 'x' }), (e) => hasCode(e, 'INVALID_ARGUMENT'));
});

test('pwrite / pread / fileLength over a real cluster, 64 KiB chunks striped over both chains', { timeout: 180_000 }, async (t) => {
  const dataDir = clusterDataDir(t, 'fp-fs-data-');
  await up({ dataDir, temporal: false });

  const fs = await connect({ dataDir });
  t.after(() => fs.close());
  const layout = defaultLayout(fs.routing(), { chunkSize: 64 * KiB, seed: 11 });
  assert.equal(layout.stripe, 2);
  const file: FileRef = { inodeId: 1001n, layout };

  // 1. A model of the file, written in three unaligned pieces with a hole between the second and third.
  const model = Buffer.alloc(7 * MiB);
  const write = async (offset: number, data: Buffer): Promise<void> => {
    assert.equal(await fs.pwrite(file, offset, data), data.length);
    data.copy(model, offset);
  };
  await write(100_003, randomBytes(3 * MiB + 12_345)); // ~49 chunks, both ends unaligned
  await write(1 * MiB + 77, randomBytes(200 * KiB + 5)); // overwrites the middle, across chunk boundaries
  const tailStart = 5 * MiB + 999;
  const tail = randomBytes(MiB + 1);
  await write(tailStart, tail);
  const end = tailStart + tail.length;

  // 2. Ranges read back byte for byte; the hole [end of first write, tailStart) and bytes before 100_003 are zeros.
  assert.deepEqual(await fs.pread(file, 0, end), model.subarray(0, end));
  for (const [offset, length] of [[0, 100_003], [65_535, 2], [100_000, 10], [3 * MiB, 2 * MiB + 5000], [tailStart - 1, 3], [end - 70_000, 70_000]] as const) {
    assert.deepEqual(await fs.pread(file, offset, length), model.subarray(offset, offset + length), `[${offset}, +${length})`);
  }
  const hole = await fs.pread(file, 100_003 + 3 * MiB + 12_345, tailStart - (100_003 + 3 * MiB + 12_345));
  assert.ok(hole.length > 64 * KiB && hole.every((b) => b === 0), 'the hole reads as zeros');

  // 3. The length from last-chunk queries on both chains; reads past it are zeros, or clipped when asked.
  assert.equal(await fs.fileLength(file), end);
  assert.deepEqual(await fs.pread(file, end - 10, 100), Buffer.concat([model.subarray(end - 10, end), Buffer.alloc(90)]));
  assert.deepEqual(await fs.pread(file, end - 10, 100, { fileLength: end }), model.subarray(end - 10, end));
  assert.equal(await fs.fileLength({ inodeId: 1002n, layout }), 0);
  assert.ok((await fs.pread({ inodeId: 1002n, layout }, 0, 200 * KiB)).every((b) => b === 0), 'a file never written reads as zeros');

  // 4. A second client, connected by mgmtd addresses and secret, sees the same bytes and length.
  const other = await connect({ mgmtd: mgmtdAddresses(dataDir).join(','), secret: await loadOrCreateClusterSecret(dataDir) });
  t.after(() => other.close());
  assert.deepEqual(await other.pread(file, 900_000, 500_000), model.subarray(900_000, 1_400_000));
  assert.equal(await other.fileLength(file), end);

  // 5. Bad input fails before any I/O, with INVALID_ARGUMENT and a message that says what is wrong.
  const bad = (p: Promise<unknown>, message: RegExp): Promise<void> => assert.rejects(p, (e) => hasCode(e, 'INVALID_ARGUMENT') && message.test(e.message));
  await bad(fs.pwrite(file, -1, Buffer.alloc(1)), /offset must be a non-negative safe integer/);
  await bad(fs.pread(file, 0.5, 1), /offset/);
  await bad(fs.pread(file, 0, -1), /length/);
  await bad(fs.pread(file, 0, 2 * 1024 * MiB), /exceeds the limit/);
  await bad(fs.pwrite(file, 2 ** 32 * 64 * KiB - 1, Buffer.alloc(2)), /ends past the largest file/);
  await bad(fs.fileLength({ inodeId: 1001n, layout: { ...layout, tableVersion: layout.tableVersion + 5 } }), /not in routing/);
  await bad(fs.pwrite({ inodeId: 1001n, layout: { ...layout, stripe: 3 } }, 0, Buffer.alloc(1)), /stripe must be in \[1, 2\]/);
  await bad(fs.pread({ inodeId: -3n, layout }, 0, 1), /inode id/);
  assert.equal(await fs.fileLength(file), end, 'failed calls wrote nothing');

  // 6. Truncate: shorter cuts (chunks past the end are gone, the last one is cut), longer pads with zeros.
  const cutTo = 2 * MiB + 4_321;
  await fs.truncate(file, cutTo);
  assert.equal(await fs.fileLength(file), cutTo);
  assert.deepEqual(await fs.pread(file, 0, cutTo), model.subarray(0, cutTo));
  assert.ok((await fs.pread(file, cutTo, tailStart + 100 - cutTo)).every((b) => b === 0), 'nothing left past the cut');
  const growTo = cutTo + 3 * 64 * KiB + 7;
  await fs.truncate(file, growTo);
  assert.equal(await fs.fileLength(file), growTo);
  assert.deepEqual(await fs.pread(file, cutTo - 100, growTo - cutTo + 100), Buffer.concat([model.subarray(cutTo - 100, cutTo), Buffer.alloc(growTo - cutTo)]));
  await bad(fs.truncate(file, -1), /length must be a non-negative safe integer/);

  // 7. Removing the data leaves no chunk: length 0, zeros, and the chunk listing of every chain empty of it.
  await fs.removeData(file);
  assert.equal(await fs.fileLength(file), 0);
  assert.ok((await fs.pread(file, 0, 300 * KiB)).every((b) => b === 0));
  await fs.removeData(file); // nothing left: still fine

  await other.close();
  await fs.close();
  await fs.close(); // idempotent
});
