import { sqlIdent, sqlString } from '../../infra/duckdb/index.ts';
import { PipelineError } from '../../infra/errors.ts';
import type { ReaderSpec } from '../../workflows/plan.ts';
import type { FileEntry, PartitionData } from './manifest.ts';

function list(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(', ')}]`;
}

function columnsStruct(schema: Readonly<Record<string, string>>): string {
  return `{${Object.entries(schema).map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ')}}`;
}

function projection(reader: ReaderSpec): string {
  if (reader.format !== 'parquet' || reader.columns === null) return '*';
  return reader.columns.map(sqlIdent).join(', ');
}

function readWhole(reader: ReaderSpec, paths: readonly string[]): string {
  switch (reader.format) {
    case 'parquet':
      return `read_parquet(${list(paths)}, union_by_name = ${reader.unionByName})`;
    case 'csv':
      return `read_csv(${list(paths)}, columns = ${columnsStruct(reader.schema)}, delim = ${sqlString(reader.delim)}, header = ${reader.header}, auto_detect = false)`;
    case 'json':
      return `read_json(${list(paths)}, columns = ${columnsStruct(reader.schema)}, format = 'newline_delimited')`;
  }
}

function readRange(file: FileEntry, range: readonly [number, number]): string {
  return `SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(file.path)}, file_row_number = true) ` +
    `WHERE file_row_number BETWEEN ${range[0]} AND ${range[1] - 1}`;
}

/**
 * A SELECT reading one partition. Whole files go through one reader call with the largest file first (DuckDB uses it
 * for its estimates); row ranges are added with UNION ALL, as smallpond does.
 */
export function partitionSelect(data: PartitionData): string {
  if (data.files.length === 0) throw PipelineError.BAD_PLAN('a partition with no files cannot be read (no schema)');
  const whole = data.files.filter((f) => f.range === null);
  const ranged = data.files.filter((f) => f.range !== null);
  if (ranged.length > 0 && data.reader.format !== 'parquet') {
    throw PipelineError.BAD_PLAN('row ranges are only supported for Parquet inputs');
  }
  const parts: string[] = [];
  if (whole.length > 0) {
    const ordered = [...whole].sort((a, b) => (b.rows ?? 0) - (a.rows ?? 0));
    parts.push(`SELECT * FROM ${readWhole(data.reader, ordered.map((f) => f.path))}`);
  }
  for (const f of ranged) parts.push(readRange(f, f.range!));
  const union = parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' UNION ALL BY NAME ');
  const cols = projection(data.reader);
  return cols === '*' ? union : `SELECT ${cols} FROM (${union})`;
}
