import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SealStageInput } from '../../workflows/messages.ts';
import { PARQUET_READER } from '../../workflows/plan.ts';
import { partitionManifestPath, SEALED_FILE, stageDir } from './layout.ts';
import type { FileEntry, PartitionData } from './manifest.ts';
import { readTaskManifest, writeJsonAtomic } from './manifest.ts';

/**
 * Seals a partitioned stage: merges every task's output into one manifest per partition (task order, so results
 * are deterministic), writes `_SEALED` last, and removes attempt leftovers.
 */
export async function sealStage(input: SealStageInput): Promise<void> {
  const { jobRoot, stage } = input;
  const merged: { reader: PartitionData['reader']; files: FileEntry[] }[] = Array.from({ length: stage.partitions }, () => ({
    reader: PARQUET_READER,
    files: [],
  }));
  for (let t = 0; t < stage.tasks; t++) {
    const manifest = await readTaskManifest(jobRoot, stage.key, t);
    for (const [p, data] of Object.entries(manifest.partitions)) {
      const slot = merged[Number(p)];
      if (slot === undefined) continue;
      if (slot.files.length === 0) slot.reader = data.reader;
      slot.files.push(...data.files);
    }
  }
  await mkdir(join(stageDir(jobRoot, stage.key), 'partitions'), { recursive: true });
  for (const [p, data] of merged.entries()) await writeJsonAtomic(partitionManifestPath(jobRoot, stage.key, p), data);
  await writeFile(join(stageDir(jobRoot, stage.key), SEALED_FILE), new Date().toISOString());
  await rm(join(stageDir(jobRoot, stage.key), 'attempts'), { recursive: true, force: true });
}
