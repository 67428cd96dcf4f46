import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { SinkParams } from '../../../workflows/plan.ts';
import { PARQUET_READER } from '../../../workflows/plan.ts';
import type { FileEntry, PartitionData } from '../manifest.ts';
import { readPartition } from '../manifest.ts';
import { partitionSelect } from '../reader-sql.ts';
import type { TaskContext, TaskResult } from '../task-context.ts';
import { copyToParquet } from '../task-context.ts';

async function linkOrCopy(src: string, dst: string, type: SinkParams['type']): Promise<void> {
  if (type === 'copy') return copyFile(src, dst);
  try {
    await link(src, dst);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (type === 'link' || (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK')) throw err;
    await copyFile(src, dst);
  }
}

/**
 * Writes a dataset into `outputPath`: whole Parquet files are hard-linked (or copied) keeping their names, renamed
 * `stem.<i>.ext` only on collision; row ranges and CSV/JSON inputs are materialised as Parquet. Files appear by atomic
 * rename from a staging directory, then `.MANIFEST.txt` lists them in partition order.
 */
export async function runSinkTask(ctx: TaskContext, params: SinkParams): Promise<TaskResult> {
  const { jobRoot } = ctx.input;
  const ref = ctx.input.inputs[0]!;
  const datas: PartitionData[] = [];
  for (let p = 0; p < ref.partitions; p++) datas.push(await readPartition(jobRoot, ref, p));
  if (params.type === 'manifest') {
    await mkdir(params.outputPath, { recursive: true });
    const files = datas.flatMap((d) => d.files);
    await writeFile(join(params.outputPath, '.MANIFEST.txt'), files.map((f) => f.path).join('\n') + '\n');
    return { partitions: { 0: { reader: datas[0]!.reader, files } } };
  }

  await mkdir(params.outputPath, { recursive: true });
  const staging = join(params.outputPath, `.staging-${randomUUID()}`);
  await mkdir(staging);
  const taken = new Set<string>();
  const unique = (name: string): string => {
    if (!taken.has(name)) return name;
    const ext = extname(name);
    const stem = name.slice(0, name.length - ext.length);
    for (let i = 1; ; i++) if (!taken.has(`${stem}.${i}${ext}`)) return `${stem}.${i}${ext}`;
  };
  const written: FileEntry[] = [];
  const linked = new Set<string>(); // one schema-only file may back several empty partitions
  try {
    for (const [p, data] of datas.entries()) {
      for (const [i, f] of data.files.entries()) {
        let name: string;
        let rows = f.rows;
        if (data.reader.format === 'parquet' && f.range === null) {
          if (linked.has(f.path)) continue;
          linked.add(f.path);
          name = unique(basename(f.path));
          await linkOrCopy(f.path, join(staging, name), params.type);
        } else {
          name = unique(`part-${String(p).padStart(6, '0')}-${i}.parquet`);
          const { connection } = await ctx.db();
          rows = await copyToParquet(connection, partitionSelect({ reader: data.reader, files: [f] }), join(staging, name), `writing ${f.path}`);
        }
        taken.add(name);
        written.push({ path: name, rows, range: null });
      }
    }
    for (const w of written) await rename(join(staging, w.path), join(params.outputPath, w.path));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await writeFile(join(params.outputPath, '.MANIFEST.txt'), written.map((w) => w.path).join('\n') + '\n');
  const files = written.map((w) => ({ ...w, path: join(params.outputPath, w.path) }));
  return { partitions: { 0: { reader: PARQUET_READER, files } } };
}
