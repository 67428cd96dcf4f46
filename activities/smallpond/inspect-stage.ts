import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { InspectStageInput, InspectStageOutput } from '../../workflows/messages.ts';
import { rangesFromIndices } from '../../workflows/ranges.ts';
import { MANIFEST_FILE, SEALED_FILE, stageDir } from './layout.ts';

/** What of a stage is already done: sealed as a whole, or which tasks have committed output. */
export async function inspectStage(input: InspectStageInput): Promise<InspectStageOutput> {
  const dir = stageDir(input.jobRoot, input.stage.key);
  const sealed = await access(join(dir, SEALED_FILE)).then(() => true, () => false);
  if (sealed) return { sealed: true, committed: [[0, input.stage.tasks]] };
  const names = await readdir(join(dir, 'tasks')).catch(() => [] as string[]);
  const committed: number[] = [];
  for (const name of names) {
    const task = Number(name);
    if (!Number.isInteger(task) || task < 0 || task >= input.stage.tasks) continue;
    if (await access(join(dir, 'tasks', name, MANIFEST_FILE)).then(() => true, () => false)) committed.push(task);
  }
  return { sealed: false, committed: rangesFromIndices(committed) };
}
