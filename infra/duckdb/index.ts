/**
 * The DuckDB layer: open a private instance per task, move data between DuckDB, plain JS rows and Arrow, write
 * Parquet. Other folders import from here only.
 */
export { openDuckDB } from './session.ts';
export type { DuckDBOptions, DuckDBSession } from './session.ts';
export { readRows } from './read-rows.ts';
export { queryToArrow } from './query-to-arrow.ts';
export { createTableFromArrow } from './create-table-from-arrow.ts';
export { createTableFromRows } from './create-table-from-rows.ts';
export { inferSchema } from './infer-schema.ts';
export { copyToParquet } from './copy-to-parquet.ts';
export type { ParquetCompression, ParquetWriteOptions } from './copy-to-parquet.ts';
export { sqlIdent, sqlString } from './sql-text.ts';
export { numberIfSafe } from './duckdb-to-js.ts';
