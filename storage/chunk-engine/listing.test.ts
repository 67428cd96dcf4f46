import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeChunkId, MAX_CHUNK_INDEX, MAX_INODE_ID } from '../../infra/mgmtd/index.ts';
import type { ChunkEngine } from './chunk-engine.ts';
import { cid, openEngine, payload, writeOf } from './test-kit.ts';
import type { ChunkMeta } from './types.ts';

const names = (metas: readonly ChunkMeta[]): string[] =>
  metas.map((m) => {
    const { inodeId, chunkIndex } = decodeChunkId(m.chunkId);
    return `${inodeId}:${chunkIndex}`;
  });

async function put(engine: ChunkEngine, inode: bigint, index: number, commit: 'commit' | 'leave-pending'): Promise<void> {
  const id = cid(inode, index);
  await engine.write(id, writeOf(0, payload(index, 10 + (index % 1000)), 1));
  if (commit === 'commit') await engine.commit(id, { updateVer: 1 });
}

test('lastChunk is the highest index of the inode, found by one reverse range read', async (t) => {
  const engine = await openEngine(t);
  // Written out of order; 256 and 65536 would sort before 3 if indices were little-endian.
  for (const index of [3, 0, 65536, 256, 1]) await put(engine, 5n, index, 'commit');
  await put(engine, 4n, MAX_CHUNK_INDEX, 'commit');
  await put(engine, 6n, 0, 'commit');
  await put(engine, 7n, 2, 'leave-pending');
  await put(engine, MAX_INODE_ID, MAX_CHUNK_INDEX, 'commit');

  const last = engine.lastChunk(5n);
  assert.deepEqual(last && names([last]), ['5:65536']);
  assert.equal(last?.length, 10 + (65536 % 1000));
  assert.deepEqual(names([engine.lastChunk(4n)!]), [`4:${MAX_CHUNK_INDEX}`]);
  assert.deepEqual(names([engine.lastChunk(6n)!]), ['6:0']);
  assert.deepEqual({ state: engine.lastChunk(7n)?.state, commitVer: engine.lastChunk(7n)?.commitVer }, { state: 'PENDING', commitVer: 0 });
  assert.deepEqual(names([engine.lastChunk(MAX_INODE_ID)!]), [`${MAX_INODE_ID}:${MAX_CHUNK_INDEX}`]);
  assert.equal(engine.lastChunk(8n), null, 'an inode after others');
  assert.equal(engine.lastChunk(0n), null, 'an inode before all');
  assert.equal(engine.lastChunk(MAX_INODE_ID - 1n), null);

  await engine.remove(cid(5n, 65536), { updateVer: 2, chainVer: 1 });
  await engine.commit(cid(5n, 65536), { updateVer: 2 });
  assert.deepEqual(names([engine.lastChunk(5n)!]), ['5:256']);
});

test('listChunks returns chunk-id order: by inode, then index; begin inclusive, end exclusive, limit pages', async (t) => {
  const engine = await openEngine(t);
  for (const [inode, index] of [[9n, 2], [2n, 0], [9n, 0], [300n, 1], [2n, 70000]] as const) await put(engine, inode, index, 'commit');
  const all = engine.listChunks({ begin: null, end: null, limit: null });
  assert.deepEqual(names(all), ['2:0', '2:70000', '9:0', '9:2', '300:1']);
  assert.deepEqual(
    all.map((m) => ({ state: m.state, commitVer: m.commitVer })),
    all.map(() => ({ state: 'COMMIT', commitVer: 1 })),
  );
  assert.deepEqual(names(engine.listChunks({ begin: cid(9n, 0), end: cid(300n, 1), limit: null })), ['9:0', '9:2']);

  // Paging the way a resync dump does: resume after the last id of the previous page.
  const pages: string[][] = [];
  let begin: Uint8Array | null = null;
  for (;;) {
    const page: ChunkMeta[] = engine.listChunks({ begin, end: null, limit: 2 });
    if (page.length === 0) break;
    pages.push(names(page));
    const lastId = page[page.length - 1]!.chunkId;
    begin = Uint8Array.from([...lastId.subarray(0, 11), lastId[11]! + 1]);
  }
  assert.deepEqual(pages, [['2:0', '2:70000'], ['9:0', '9:2'], ['300:1']]);
});
