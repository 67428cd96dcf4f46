import { DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { GeneralError } from '../errors.ts';
import { sqlIdent } from './sql-text.ts';

export interface ColumnDefinition {
  readonly name: string;
  /** A DuckDB type name as written in SQL: 'BIGINT', 'DECIMAL(10,2)', 'VARCHAR[]', 'JSON', ... */
  readonly sqlType: string;
}

/** A column as created: `type` is what DuckDB resolved `sqlType` to, so aliases ('JSON') and nested types arrive parsed. */
export interface CreatedColumn extends ColumnDefinition {
  readonly type: DuckDBType;
}

/** One column's values for rows [start, end) of the current append, as DuckDB values of the column's type. */
export type ColumnReader = (start: number, end: number) => DuckDBValue[];

/** Appends `rowCount` rows, one reader per column in table order. `fill` may call it any number of times. */
export type AppendRows = (rowCount: number, readers: readonly ColumnReader[]) => void;

/**
 * Creates `tableName` with `columns`, then lets `fill` append rows through DuckDB's appender in vector-sized data
 * chunks: one native call per column per 2048 rows, not one per value.
 *
 * All or nothing: if `fill` throws, the table is dropped before the error propagates, so a caller never finds a
 * half-filled table. A name that already exists, or a type DuckDB does not know, is INVALID_ARGUMENT.
 */
export async function fillTable(
  connection: DuckDBConnection,
  tableName: string,
  columns: readonly ColumnDefinition[],
  fill: (append: AppendRows, created: readonly CreatedColumn[]) => void,
): Promise<void> {
  if (columns.length === 0) throw GeneralError.INVALID_ARGUMENT(`cannot create table ${sqlIdent(tableName)} without columns`);
  const ddl = `CREATE TABLE ${sqlIdent(tableName)} (${columns.map((c) => `${sqlIdent(c.name)} ${c.sqlType}`).join(', ')})`;
  try {
    await connection.run(ddl);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw GeneralError.INVALID_ARGUMENT(`cannot create table ${sqlIdent(tableName)}: ${detail}`, { context: { ddl }, cause });
  }

  const appender = await connection.createAppender(tableName);
  try {
    const created = columns.map((column, index) => ({ ...column, type: appender.columnType(index) }));
    const types = created.map((column) => column.type);
    const chunkSize = DuckDBVector.standardSize();
    fill((rowCount, readers) => {
      if (readers.length !== types.length) throw GeneralError.INTERNAL(`${readers.length} column readers for ${types.length} columns`);
      for (let start = 0; start < rowCount; start += chunkSize) {
        const end = Math.min(rowCount, start + chunkSize);
        const chunk = DuckDBDataChunk.create(types, end - start);
        readers.forEach((read, column) => chunk.setColumnValues(column, read(start, end)));
        appender.appendDataChunk(chunk);
      }
    }, created);
    appender.closeSync(); // flushes
  } catch (error) {
    try {
      appender.clear();
      appender.closeSync();
    } catch {
      // The appender may already be closed (a failed flush); the table is dropped next either way.
    }
    await connection.run(`DROP TABLE IF EXISTS ${sqlIdent(tableName)}`);
    throw error;
  }
}
