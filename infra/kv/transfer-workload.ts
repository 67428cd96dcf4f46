/**
 * The workload of the cross-process serializability test, run by each child process (transfer-worker.ts): open the
 * shared engine and run `transfers` transactions against `accounts` balances. Most move a random amount between
 * two accounts; every fifth one reads the whole account range and moves money from the richest to the poorest (a
 * range read, so range conflicts must be detected across processes). Each transaction also increments this
 * process's own counter by read-modify-write (a transaction applied twice or lost shows in it) and a shared counter
 * by atomic add. Nothing else is shared between all transactions, so conflicts come only from the accounts read.
 */
import { decodeInt64LE, encodeInt64LE } from './atomic-add.ts';
import { seededRandom } from './memory-faults.ts';
import { openKvEngine } from './open-kv-engine.ts';
import type { KvConfig } from './open-kv-engine.ts';
import type { Transaction } from './types.ts';

export interface TransferWorkerArgs {
  readonly config: KvConfig;
  /** Hex of the key prefix all keys live under. */
  readonly prefixHex: string;
  readonly label: string;
  readonly transfers: number;
  readonly accounts: number;
  readonly seed: number;
}

export function accountKey(prefix: Buffer, i: number): Buffer {
  return Buffer.concat([prefix, Buffer.from(`acct/${String(i).padStart(4, '0')}`)]);
}

/** The end of the account range: '0' follows '/'. */
export function accountsEnd(prefix: Buffer): Buffer {
  return Buffer.concat([prefix, Buffer.from('acct0')]);
}

export function counterKey(prefix: Buffer, label: string): Buffer {
  return Buffer.concat([prefix, Buffer.from(`count/${label}`)]);
}

async function increment(tx: Transaction, key: Buffer): Promise<void> {
  tx.set(key, encodeInt64LE(decodeInt64LE(await tx.get(key)) + 1n));
}

export async function runTransfers(args: TransferWorkerArgs): Promise<number> {
  const prefix = Buffer.from(args.prefixHex, 'hex');
  const random = seededRandom(args.seed);
  const pick = (): number => Math.floor(random() * args.accounts);
  const engine = await openKvEngine(args.config);
  try {
    for (let i = 0; i < args.transfers; i++) {
      // Decided outside the transaction so that every retry does the same transfer.
      const from = pick();
      const to = (from + 1 + Math.floor(random() * (args.accounts - 1))) % args.accounts;
      const amount = BigInt(1 + Math.floor(random() * 50));
      const rebalance = i % 5 === 4;
      await engine.transact(async (tx) => {
        if (rebalance) {
          const rows = await tx.getRange(accountKey(prefix, 0), accountsEnd(prefix));
          const sorted = rows.map((r) => ({ key: r.key, balance: decodeInt64LE(r.value) }))
            .sort((a, b) => (a.balance < b.balance ? -1 : a.balance > b.balance ? 1 : 0));
          const poorest = sorted[0]!;
          const richest = sorted[sorted.length - 1]!;
          const move = (richest.balance - poorest.balance) / 2n;
          tx.set(richest.key, encodeInt64LE(richest.balance - move));
          tx.set(poorest.key, encodeInt64LE(poorest.balance + move));
        } else {
          const a = decodeInt64LE(await tx.get(accountKey(prefix, from)));
          const b = decodeInt64LE(await tx.get(accountKey(prefix, to)));
          tx.set(accountKey(prefix, from), encodeInt64LE(a - amount));
          tx.set(accountKey(prefix, to), encodeInt64LE(b + amount));
        }
        await increment(tx, counterKey(prefix, args.label));
        tx.atomicAdd(counterKey(prefix, 'all'), 1n);
      }, { maxRetries: 1000, initialBackoffMs: 1, maxBackoffMs: 20 });
    }
    return args.transfers;
  } finally {
    await engine.close();
  }
}
