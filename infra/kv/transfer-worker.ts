/**
 * Child process of the cross-process serializability test (conformance-processes.ts):
 *
 *   node --import tsx infra/kv/transfer-worker.ts '<json TransferWorkerArgs>'
 *
 * Prints one JSON line `{ "committed": n }` and exits 0, or exits 1 with the error on stderr.
 */
import { runTransfers } from './transfer-workload.ts';
import type { TransferWorkerArgs } from './transfer-workload.ts';

try {
  const committed = await runTransfers(JSON.parse(process.argv[2] ?? '') as TransferWorkerArgs);
  process.stdout.write(`${JSON.stringify({ committed })}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
}
