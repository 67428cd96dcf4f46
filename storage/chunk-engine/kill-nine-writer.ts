/**
 * Child process of kill-nine.test.ts: writes and commits the workload on every chunk concurrently, printing
 * `ACK <chunk> <version>` once each commit has resolved (stdout is a pipe: synchronous on Linux), until killed.
 * It exits by itself when the parent goes away (stdin closes) or after a bounded number of versions.
 */
import { crc32c } from '@node-rs/crc32';
import { ChunkEngine } from './chunk-engine.ts';
import { applyUpdate, KILL_NINE_CHUNKS, workloadChunk, workloadUpdate } from './kill-nine-workload.ts';
import { SMALL_LAYOUT } from './test-kit.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: kill-nine-writer <dir>');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const engine = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: true });
process.stdout.write('READY\n');
await Promise.all(
  Array.from({ length: KILL_NINE_CHUNKS }, async (_, k) => {
    const id = workloadChunk(k);
    let content: Buffer = Buffer.alloc(0);
    for (let v = 1; v <= 2000; v++) {
      const update = workloadUpdate(k, v, content);
      if (update.kind === 'write') {
        await engine.write(id, { offset: update.offset, data: update.data, crc32c: crc32c(update.data), updateVer: v, chainVer: 1 });
      } else {
        await engine.truncate(id, { length: update.length, updateVer: v, chainVer: 1 });
      }
      await engine.commit(id, { updateVer: v });
      content = applyUpdate(content, update);
      process.stdout.write(`ACK ${k} ${v}\n`);
    }
  }),
);
await engine.close();
