import type { DuckDBConnection } from '@duckdb/node-api';
import { jsConverterFor, setField } from './duckdb-to-js.ts';

/**
 * Runs `sql` and returns every row as a plain object (conversions in js-values.ts). Keys follow the result's
 * column order; a repeated column name gets DuckDB's deduplicated form (`a`, `a:1`) so no value is overwritten.
 *
 * Meant for small results (counts, samples, `take`); bulk data should travel as Arrow or Parquet.
 */
export async function readRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const result = await connection.stream(sql);
  const columns = result
    .deduplicatedColumnNames()
    .map((name, index) => ({ name, convert: jsConverterFor(result.columnType(index)) }));
  const rows: Record<string, unknown>[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const vectors = columns.map((column, index) => ({ ...column, vector: chunk.getColumnVector(index) }));
    for (let row = 0; row < chunk.rowCount; row++) {
      const out: Record<string, unknown> = {};
      for (const { name, convert, vector } of vectors) setField(out, name, convert(vector.getItem(row)));
      rows.push(out);
    }
  }
  return rows;
}
