import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { GeneralError } from '../errors.ts';
import { fillTable } from './fill-table.ts';
import { inferSchema } from './infer-schema.ts';
import { describeValue } from './json-text.ts';
import { ValueMismatch, isPlainObject, toDuckDBConverterFor } from './js-to-duckdb.ts';

/**
 * Creates `tableName` from plain-object rows, in order.
 *
 * `schema` maps column name → DuckDB type name ('BIGINT', 'DOUBLE', 'VARCHAR', 'DECIMAL(10,2)', 'INTEGER[]', ...)
 * and fixes the columns and their order; keys a row has beyond the schema are ignored, as pyarrow does. With a
 * null schema the columns and types are inferred (infer-schema.ts). A key missing from a row is NULL.
 *
 * Values must fit their column (rules in js-to-duckdb.ts); the first one that does not is INVALID_ARGUMENT naming
 * the column, the row index and the value, and no table is left behind. Zero rows with a schema make an empty
 * table; zero rows without one is INVALID_ARGUMENT. Rows that are not plain objects are refused: wrapping scalars
 * into rows is the caller's decision.
 */
export async function createTableFromRows(
  connection: DuckDBConnection,
  rows: readonly Record<string, unknown>[],
  schema: Record<string, string> | null,
  tableName: string,
): Promise<void> {
  rows.forEach((row, index) => {
    if (!isPlainObject(row)) throw GeneralError.INVALID_ARGUMENT(`row ${index} is not a plain object: ${describeValue(row)}`, { context: { row: index } });
  });
  const resolved = schema ?? inferSchema(rows);
  const columns = Object.entries(resolved).map(([name, sqlType]) => ({ name, sqlType }));
  await fillTable(connection, tableName, columns, (append, created) => {
    const readers = created.map(({ name, type }) => {
      const convert = toDuckDBConverterFor(type);
      if (convert === null) throw GeneralError.INVALID_ARGUMENT(`column "${name}" has type ${type.toString()}, which rows cannot be written to`);
      return (start: number, end: number): DuckDBValue[] => {
        const out = new Array<DuckDBValue>(end - start);
        for (let row = start; row < end; row++) {
          const record = rows[row];
          const value = record !== undefined && Object.hasOwn(record, name) ? record[name] : null;
          try {
            out[row - start] = convert(value);
          } catch (error) {
            if (!(error instanceof ValueMismatch)) throw error;
            throw GeneralError.INVALID_ARGUMENT(
              `column "${name}" (${type.toString()}), row ${row}: value ${describeValue(value)} does not fit: ${error.message}`,
              { context: { column: name, row, type: type.toString() } },
            );
          }
        }
        return out;
      };
    });
    append(rows.length, readers);
  });
}
