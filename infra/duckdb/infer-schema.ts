import { GeneralError } from '../errors.ts';
import { describeValue } from './json-text.ts';
import { isJsonContainer } from './js-to-duckdb.ts';

type Kind = 'number' | 'string' | 'boolean' | 'date' | 'blob' | 'json';

interface ColumnEvidence {
  kind: Kind | null;
  /** The first non-null value and its row, quoted when a later row disagrees. */
  firstRow: number;
  firstValue: unknown;
  sawFraction: boolean;
  sawBeyondInt64: boolean;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A DuckDB schema for rows given without one. Columns are the union of the rows' own keys in first-seen order;
 * each type follows from the non-null values:
 *
 *   integers (number or bigint) → BIGINT, or HUGEINT once a bigint exceeds int64
 *   any non-integer number (including NaN, ±Infinity, integers beyond int64) in the column → DOUBLE
 *   string → VARCHAR   boolean → BOOLEAN   Date → TIMESTAMP   Uint8Array → BLOB
 *   arrays and plain objects → VARCHAR holding JSON text   only null/undefined → VARCHAR
 *
 * A column mixing kinds (a string and a number, a string and an object, ...) is refused rather than guessed:
 * INVALID_ARGUMENT names the column and both rows; the caller passes a schema instead. No rows is refused too:
 * there is nothing to infer from.
 */
export function inferSchema(rows: readonly Record<string, unknown>[]): Record<string, string> {
  if (rows.length === 0) throw GeneralError.INVALID_ARGUMENT('cannot infer a schema from zero rows; pass a schema');
  const columns = new Map<string, ColumnEvidence>();
  rows.forEach((row, rowIndex) => {
    for (const [name, value] of Object.entries(row)) {
      let evidence = columns.get(name);
      if (evidence === undefined) {
        evidence = { kind: null, firstRow: -1, firstValue: null, sawFraction: false, sawBeyondInt64: false };
        columns.set(name, evidence);
      }
      if (value !== null && value !== undefined) observe(name, evidence, rowIndex, value);
    }
  });
  const schema: Record<string, string> = {};
  for (const [name, evidence] of columns) {
    Object.defineProperty(schema, name, { value: sqlTypeFor(evidence), enumerable: true, writable: true, configurable: true });
  }
  return schema;
}

function observe(column: string, evidence: ColumnEvidence, row: number, value: unknown): void {
  const kind = kindOf(column, row, value);
  if (evidence.kind === null) {
    evidence.kind = kind;
    evidence.firstRow = row;
    evidence.firstValue = value;
  } else if (evidence.kind !== kind) {
    throw GeneralError.INVALID_ARGUMENT(
      `cannot infer a type for column "${column}": row ${row} holds ${describeValue(value)} (${kind}) but row ` +
        `${evidence.firstRow} holds ${describeValue(evidence.firstValue)} (${evidence.kind}); pass a schema`,
      { context: { column, row } },
    );
  }
  if (typeof value === 'number' && !(Number.isInteger(value) && Math.abs(value) < 2 ** 63)) evidence.sawFraction = true;
  if (typeof value === 'bigint' && (value < INT64_MIN || value > INT64_MAX)) evidence.sawBeyondInt64 = true;
}

function kindOf(column: string, row: number, value: unknown): Kind {
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Date) return 'date';
  if (value instanceof Uint8Array) return 'blob';
  if (isJsonContainer(value)) return 'json';
  throw GeneralError.INVALID_ARGUMENT(`cannot infer a type for column "${column}": row ${row} holds ${describeValue(value)}, which has no column type`, {
    context: { column, row },
  });
}

function sqlTypeFor(evidence: ColumnEvidence): string {
  switch (evidence.kind) {
    case 'number': return evidence.sawFraction ? 'DOUBLE' : evidence.sawBeyondInt64 ? 'HUGEINT' : 'BIGINT';
    case 'boolean': return 'BOOLEAN';
    case 'date': return 'TIMESTAMP';
    case 'blob': return 'BLOB';
    case 'string':
    case 'json':
    case null: return 'VARCHAR';
  }
}
