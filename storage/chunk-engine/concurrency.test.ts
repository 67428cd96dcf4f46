import { crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cid, openEngine, payload, replaceOf } from './test-kit.ts';

const VERSIONS = 30;
const content = (chunk: number, version: number): Buffer => payload(chunk * 1000 + version, 500 + ((chunk * 37 + version * 101) % 3000));

test('reads racing copy-on-write updates and slot reuse always return one committed version, intact', async (t) => {
  const engine = await openEngine(t);
  const chunks = [0, 1, 2, 3];
  let done = false;
  let reads = 0;

  const writers = chunks.map(async (c) => {
    const id = cid(70, c);
    for (let v = 1; v <= VERSIONS; v++) {
      await engine.replace(id, replaceOf(content(c, v), v));
      await engine.commit(id, { updateVer: v });
    }
  });
  const readers = chunks.map(async (c) => {
    const id = cid(70, c);
    while (!done) {
      const meta = engine.stat(id);
      if (meta === null || meta.commitVer === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const got = await engine.read(id, { offset: 0, length: 4096 });
      assert.equal(got.crc32c, crc32c(got.data));
      assert.deepEqual(got.data, content(c, got.commitVer), `chunk ${c} version ${got.commitVer}`);
      reads += 1;
    }
  });
  await Promise.all(writers);
  done = true;
  await Promise.all(readers);
  assert.ok(reads > 0);
  t.diagnostic(`${reads} reads raced ${chunks.length * VERSIONS} updates`);
  assert.equal(engine.metrics.get('storage.chunk.checksum_failures'), 0);
  assert.equal(engine.spaceInfo().usedBytes, chunks.length * 4096, 'one slot per chunk once everything committed');
});
