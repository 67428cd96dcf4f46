/**
 * Quoting for SQL text we assemble ourselves (paths in COPY, table names in CREATE TABLE). DuckDB follows standard
 * SQL here: a quote inside a quoted token is written twice, and nothing else is special.
 */

/** `it's` → `'it''s'`: a string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `my "col"` → `"my ""col"""`: a quoted identifier, so any name (keywords, spaces, case) is taken literally. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
