import type { Table } from 'apache-arrow';
import { openDuckDB, queryToArrow, readRows } from '../../infra/duckdb/index.ts';
import type { StageRef } from '../../workflows/plan.ts';
import type { PipelineResult } from '../../workflows/messages.ts';
import type { PartitionData } from '../../activities/smallpond/manifest.ts';
import { readPartition, totalRows } from '../../activities/smallpond/manifest.ts';
import { partitionSelect } from '../../activities/smallpond/reader-sql.ts';
import { classifyDuckDBError } from '../../activities/smallpond/classify-error.ts';

/** The output of a finished job, read from its manifests on the shared file system, in partition order. */
export class JobOutput {
  /** `result`: what the pipeline workflow returned (per-stage tasks run and skipped), when this came from a job. */
  constructor(readonly jobRoot: string, readonly ref: StageRef, readonly result: PipelineResult | null = null) {}

  async partitions(): Promise<PartitionData[]> {
    const out: PartitionData[] = [];
    for (let p = 0; p < this.ref.partitions; p++) out.push(await readPartition(this.jobRoot, this.ref, p));
    return out;
  }

  /** Paths of the output files, in partition order. */
  async files(): Promise<string[]> {
    return [...new Set((await this.partitions()).flatMap((d) => d.files.map((f) => f.path)))];
  }

  async count(): Promise<number> {
    let n = 0;
    const unknown: PartitionData[] = [];
    for (const d of await this.partitions()) {
      const rows = totalRows(d);
      if (rows === null) unknown.push(d);
      else n += rows;
    }
    if (unknown.length === 0) return n;
    const db = await openDuckDB({ threads: 2, memoryLimit: null });
    try {
      for (const d of unknown) {
        const rows = await readRows(db.connection, `SELECT count(*) AS n FROM (${partitionSelect(d)})`);
        n += Number(rows[0]?.['n'] ?? 0);
      }
    } finally {
      db.close();
    }
    return n;
  }

  /** Row objects; integers that fit a JS safe integer are numbers, larger ones bigints. */
  async rows(limit: number | null = null): Promise<Record<string, unknown>[]> {
    const db = await openDuckDB({ threads: 2, memoryLimit: null, preserveInsertionOrder: true });
    const out: Record<string, unknown>[] = [];
    try {
      for (const d of await this.partitions()) {
        if (limit !== null && out.length >= limit) break;
        const sql = partitionSelect(d);
        const rest = limit === null ? '' : ` LIMIT ${limit - out.length}`;
        try {
          out.push(...(await readRows(db.connection, `SELECT * FROM (${sql})${rest}`)));
        } catch (err) {
          throw classifyDuckDBError(err, sql);
        }
      }
    } finally {
      db.close();
    }
    return out;
  }

  /** One apache-arrow Table of every partition, in partition order. */
  async arrow(): Promise<Table> {
    const parts = await this.partitions();
    const db = await openDuckDB({ threads: 2, memoryLimit: null, preserveInsertionOrder: true });
    try {
      const tables: Table[] = [];
      for (const d of parts) {
        const sql = partitionSelect(d);
        try {
          tables.push(await queryToArrow(db.connection, `SELECT * FROM (${sql})`));
        } catch (err) {
          throw classifyDuckDBError(err, sql);
        }
      }
      const [first, ...rest] = tables;
      return rest.length === 0 ? first! : first!.concat(...rest);
    } finally {
      db.close();
    }
  }
}
