import { FirepondError, PipelineError } from '../../infra/errors.ts';

const SQL_ERRORS = /^(Parser|Binder|Catalog|Syntax|Not implemented|Conversion|Invalid Input|Constraint|Invalid type|Out of Range|Dependency|Sequence|Type Mismatch|Invalid Configuration|Permission) Error/;

/**
 * Turns what DuckDB threw while running `query` into a catalogue error. SQL mistakes, missing files and schema
 * mismatches are the user's to fix and fail the job at once; running out of memory and anything unexpected are retried.
 */
export function classifyDuckDBError(err: unknown, query: string): FirepondError {
  if (err instanceof FirepondError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const firstLine = message.split('\n')[0] ?? message;
  const missing = /No files found that match the pattern "([^"]+)"|Cannot open file "([^"]+)"|No such file or directory/.exec(firstLine);
  if (missing !== null) return PipelineError.INPUT_NOT_FOUND(missing[1] ?? missing[2] ?? firstLine, `query: ${query}`);
  if (/schema mismatch/i.test(firstLine)) return PipelineError.SCHEMA_MISMATCH(firstLine, [], err);
  // Parquet files whose column types differ fail as a Conversion Error on the later file; the user's query is not at
  // fault, so report it as the schema mismatch it is, with DuckDB's line naming the file, column and both types.
  const typeClash = /In file "[^"]*" the column "[^"]*" has type .*?, but we are trying to read it as type [^\n]*/.exec(message);
  if (typeClash !== null) return PipelineError.SCHEMA_MISMATCH(`${firstLine}\n${typeClash[0]}`, [], err);
  if (/^Out of Memory Error/.test(firstLine)) {
    return PipelineError.OUT_OF_MEMORY(`out of memory running query: ${query}\n${message}`, { cause: err });
  }
  if (SQL_ERRORS.test(firstLine)) return PipelineError.BAD_SQL(query, message, err);
  return PipelineError.TASK_CRASHED(`task crashed running query: ${query}\n${message}`, { cause: err });
}
