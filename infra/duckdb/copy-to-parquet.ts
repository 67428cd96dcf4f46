import type { DuckDBConnection } from '@duckdb/node-api';
import { GeneralError } from '../errors.ts';
import { sqlString } from './sql-text.ts';

export type ParquetCompression = 'zstd' | 'snappy' | 'uncompressed';

export interface ParquetWriteOptions {
  /** Rows per row group; DuckDB's default, 122880 (60 vectors of 2048), when absent. */
  readonly rowGroupSize?: number;
  /** 'zstd' when absent. */
  readonly compression?: ParquetCompression;
}

const COMPRESSIONS: readonly ParquetCompression[] = ['zstd', 'snappy', 'uncompressed'];

/**
 * Writes the result of `selectSql` to one Parquet file at `path` and returns the number of rows written.
 * `selectSql` is a query (a trailing semicolon is tolerated); `path` is quoted here.
 */
export async function copyToParquet(
  connection: DuckDBConnection,
  selectSql: string,
  path: string,
  opts: ParquetWriteOptions = {},
): Promise<number> {
  const rowGroupSize = opts.rowGroupSize ?? 122_880;
  const compression = opts.compression ?? 'zstd';
  if (!Number.isSafeInteger(rowGroupSize) || rowGroupSize < 1) {
    throw GeneralError.INVALID_ARGUMENT(`rowGroupSize must be a positive integer, got ${String(rowGroupSize)}`);
  }
  if (!COMPRESSIONS.includes(compression)) {
    throw GeneralError.INVALID_ARGUMENT(`compression must be one of ${COMPRESSIONS.join(', ')}, got ${String(compression)}`);
  }
  const select = selectSql.trim().replace(/;+\s*$/, '');
  const result = await connection.run(
    `COPY (${select}) TO ${sqlString(path)} (FORMAT PARQUET, COMPRESSION ${compression.toUpperCase()}, ROW_GROUP_SIZE ${rowGroupSize})`,
  );
  // COPY answers with one row, one column ("Count"); rowsChanged carries the same number.
  return result.rowsChanged;
}
