import { Connection } from '@temporalio/client';
import { GeneralError } from '../errors.ts';

/** One health probe: true when the frontend at `address` answers its gRPC health check. */
export async function isServerHealthy(address: string): Promise<boolean> {
  let connection: Connection | null = null;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    const rsp = await connection.withDeadline(Date.now() + 1_000, () => connection!.healthService.check({}));
    return rsp.status === 1; // SERVING
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Polls until the server answers or `timeoutMs` passes; `isAlive` lets the caller stop early when the process died. */
export async function waitForServer(
  address: string,
  options: { timeoutMs: number; isAlive?: () => boolean; logPath?: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.isAlive !== undefined && !options.isAlive()) {
      const where = options.logPath === undefined ? '' : `; see ${options.logPath}`;
      throw GeneralError.SERVER_UNAVAILABLE(`the Temporal dev server exited during start-up${where}`);
    }
    if (await isServerHealthy(address)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw GeneralError.SERVER_UNAVAILABLE(`the Temporal server at ${address} did not become healthy within ${options.timeoutMs} ms`);
}
