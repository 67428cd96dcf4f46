import type { Table } from 'apache-arrow';
import type { DuckDBConnection } from '@duckdb/node-api';
import { GeneralError } from '../errors.ts';
import { duckdbColumnFor } from './arrow-to-duckdb.ts';
import { fillTable } from './fill-table.ts';

/**
 * Creates `tableName` with one column per Arrow field (types in arrow-to-duckdb.ts) and appends every record
 * batch in order, nulls kept. A table with no rows still creates the table with its schema. All or nothing: on
 * failure no table is left behind.
 */
export async function createTableFromArrow(connection: DuckDBConnection, table: Table, tableName: string): Promise<void> {
  const plans = table.schema.fields.map((field) => ({ name: field.name, ...duckdbColumnFor(field.type) }));
  await fillTable(connection, tableName, plans, (append) => {
    for (const batch of table.batches) {
      const readers = plans.map((plan, index) => {
        const data = batch.data.children[index];
        if (data === undefined) throw GeneralError.INTERNAL(`record batch has no column ${index} (${plan.name})`);
        return (start: number, end: number) => plan.read(data, start, end);
      });
      append(batch.numRows, readers);
    }
  });
}
