/**
 * The FoundationDB engine for clusters: a thin adapter over the optional `foundationdb` npm package, which needs
 * FoundationDB's client library (libfdb_c) and a cluster file. Retries use the shared loop, so the rules for
 * conflicts and unknown commit results are the same as on the other engines.
 */
import { KvError } from '../errors.ts';
import { loadFdbBinding } from './fdb-binding.ts';
import type { FdbDatabase } from './fdb-binding.ts';
import { FdbTransactionAttempt } from './fdb-transaction.ts';
import { runTransaction } from './run-transaction.ts';
import type { KvEngine, TransactOptions, Transaction } from './types.ts';

export interface FoundationDbKvOptions {
  /** Path of the fdb.cluster file. */
  readonly clusterFile: string;
}

export class FoundationDbKvEngine implements KvEngine {
  readonly name = 'foundationdb';
  private closed = false;

  private constructor(private readonly db: FdbDatabase) {}

  /** Fails with KV_ENGINE_UNAVAILABLE when the package or libfdb_c is missing. */
  static async open(options: FoundationDbKvOptions): Promise<FoundationDbKvEngine> {
    const binding = await loadFdbBinding();
    try {
      return new FoundationDbKvEngine(binding.open(options.clusterFile));
    } catch (cause) {
      throw KvError.ENGINE_UNAVAILABLE('foundationdb', `cannot open the cluster in ${options.clusterFile}`, cause);
    }
  }

  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T> {
    return runTransaction(() => {
      if (this.closed) throw KvError.ENGINE_UNAVAILABLE('foundationdb', 'the engine is closed');
      return new FdbTransactionAttempt(this.db.rawCreateTransaction());
    }, fn, opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
