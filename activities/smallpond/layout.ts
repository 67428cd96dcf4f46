import { join } from 'node:path';

/**
 * Where a job keeps its data, all under the job root on the shared file system:
 *
 *   <jobRoot>/stages/<stageKey>/attempts/<task>.<uuid>/   an attempt at work; never read by others
 *   <jobRoot>/stages/<stageKey>/tasks/<task>/            a committed task (renamed from its attempt, atomic)
 *   <jobRoot>/stages/<stageKey>/tasks/<task>/_manifest.json
 *   <jobRoot>/stages/<stageKey>/partitions/<p>.json       partitioned stages: one manifest per output partition
 *   <jobRoot>/stages/<stageKey>/_SEALED                   partitioned stages: written last by the seal step
 */
export const MANIFEST_FILE = '_manifest.json';
export const SEALED_FILE = '_SEALED';

export function stageDir(jobRoot: string, stageKey: string): string {
  return join(jobRoot, 'stages', stageKey);
}

export function pad(n: number): string {
  return String(n).padStart(6, '0');
}

export function taskDir(jobRoot: string, stageKey: string, task: number): string {
  return join(stageDir(jobRoot, stageKey), 'tasks', pad(task));
}

export function attemptsDir(jobRoot: string, stageKey: string): string {
  return join(stageDir(jobRoot, stageKey), 'attempts');
}

export function partitionManifestPath(jobRoot: string, stageKey: string, partition: number): string {
  return join(stageDir(jobRoot, stageKey), 'partitions', `${pad(partition)}.json`);
}

/** File names that stay unique across the stages and tasks of a job, so sinks can keep them. */
export function outputFileName(stageKey: string, task: number, partition: number, seq: number): string {
  return `${stageKey.slice(0, 12)}.${pad(task)}.${pad(partition)}.${seq}.parquet`;
}
