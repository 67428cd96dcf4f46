import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { GeneralError } from '../errors.ts';

export interface DuckDBOptions {
  /** Worker threads for this instance; a task sizes it to its share of the host. */
  readonly threads: number;
  /** DuckDB size text such as '1GB' or '512MiB'; null keeps DuckDB's default (80% of RAM). */
  readonly memoryLimit: string | null;
  /** DuckDB's default is true; false lets large scans and COPY run without ordering work. */
  readonly preserveInsertionOrder?: boolean;
  /** Where DuckDB spills when a query outgrows `memoryLimit`; null or absent keeps DuckDB's default. */
  readonly tempDirectory?: string | null;
}

export interface DuckDBSession {
  readonly connection: DuckDBConnection;
  /** Closes the connection, then the instance. Safe to call more than once. */
  close(): void;
}

/**
 * Opens a private in-memory DuckDB and one connection to it. Every task gets its own instance so that `threads`
 * and `memory_limit` bound that task alone; nothing is shared or cached between calls.
 */
export async function openDuckDB(opts: DuckDBOptions): Promise<DuckDBSession> {
  const settings = duckdbSettings(opts);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:', settings);
  } catch (cause) {
    throw GeneralError.INVALID_ARGUMENT(`cannot open DuckDB with settings ${JSON.stringify(settings)}: ${messageOf(cause)}`, {
      context: { settings },
      cause,
    });
  }
  let connection: DuckDBConnection;
  try {
    connection = await instance.connect();
  } catch (cause) {
    instance.closeSync();
    throw cause;
  }
  let closed = false;
  return {
    connection,
    close(): void {
      if (closed) return;
      closed = true;
      try {
        connection.closeSync();
      } finally {
        instance.closeSync();
      }
    },
  };
}

/** The DuckDB configuration for `opts`: explicit values only, as the strings DuckDB's config API takes. */
export function duckdbSettings(opts: DuckDBOptions): Record<string, string> {
  if (!Number.isSafeInteger(opts.threads) || opts.threads < 1) {
    throw GeneralError.INVALID_ARGUMENT(`threads must be a positive integer, got ${String(opts.threads)}`);
  }
  const settings: Record<string, string> = {
    threads: String(opts.threads),
    // Tasks read and write Parquet on the shared file system, so external access must stay on.
    enable_external_access: 'true',
  };
  if (opts.memoryLimit !== null) settings['memory_limit'] = opts.memoryLimit;
  if (opts.preserveInsertionOrder !== undefined) settings['preserve_insertion_order'] = String(opts.preserveInsertionOrder);
  if (opts.tempDirectory !== undefined && opts.tempDirectory !== null) settings['temp_directory'] = opts.tempDirectory;
  return settings;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
