import { Field, RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';
import type { DuckDBConnection } from '@duckdb/node-api';
import { arrowColumnFor } from './duckdb-to-arrow.ts';

/**
 * Utf8 and Binary offsets are Int32, so a batch must stay under 2 GiB of variable-width data per column. Cutting
 * at 1 GiB leaves room for the chunk (up to 2048 values) appended after the check.
 */
const MAX_BATCH_BYTES = 1 << 30;

/**
 * Runs `sql` and returns the result as an Arrow table: same column names and order, types as in
 * arrow-columns.ts, nulls kept. The result is streamed chunk by chunk into typed buffers, so memory is the Arrow
 * table plus one DuckDB chunk. Usually one record batch; more only when a text column passes MAX_BATCH_BYTES.
 * An empty result is a zero-row table that still carries the schema.
 */
export async function queryToArrow(connection: DuckDBConnection, sql: string): Promise<Table> {
  const result = await connection.stream(sql);
  const columns = result.columnNames().map((name, index) => {
    const builder = arrowColumnFor(result.columnType(index));
    return { builder, field: new Field(name, builder.type, true) };
  });
  const builders = columns.map((column) => column.builder);
  const fields = columns.map((column) => column.field);
  const schema = new Schema(fields);
  const batches: RecordBatch[] = [];
  let rowsInBatch = 0;

  const cutBatch = (): void => {
    const children = builders.map((builder) => builder.flush());
    batches.push(new RecordBatch(schema, makeData({ type: new Struct(fields), length: rowsInBatch, nullCount: 0, children })));
    rowsInBatch = 0;
  };

  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    if (rowsInBatch > 0 && builders.some((builder) => builder.byteLength > MAX_BATCH_BYTES)) cutBatch();
    builders.forEach((builder, index) => builder.append(chunk.getColumnVector(index), chunk.rowCount));
    rowsInBatch += chunk.rowCount;
  }
  if (rowsInBatch > 0 || batches.length === 0) cutBatch();
  return new Table(schema, batches);
}
