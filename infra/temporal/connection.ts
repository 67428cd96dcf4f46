import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { configureTemporalRuntime } from './runtime.ts';

export interface TemporalTarget {
  /** host:port of the Temporal frontend; falls back to `$TEMPORAL_ADDRESS`. */
  readonly address?: string | null;
  /** Namespace; falls back to `$TEMPORAL_NAMESPACE`, then "default". */
  readonly namespace?: string | null;
}

export function resolveAddress(target: TemporalTarget = {}): string | null {
  const explicit = target.address ?? process.env['TEMPORAL_ADDRESS'] ?? null;
  return explicit === '' ? null : explicit;
}

export function resolveNamespace(target: TemporalTarget = {}): string {
  return target.namespace ?? process.env['TEMPORAL_NAMESPACE'] ?? 'default';
}

/** A client connection plus its Client; `close()` is idempotent. */
export interface ClientHandle {
  readonly client: Client;
  readonly connection: Connection;
  close(): Promise<void>;
}

export async function connectClient(address: string, namespace = 'default'): Promise<ClientHandle> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  let closed = false;
  return {
    client,
    connection,
    async close() {
      if (closed) return;
      closed = true;
      await connection.close();
    },
  };
}

export async function connectWorker(address: string): Promise<NativeConnection> {
  configureTemporalRuntime();
  return NativeConnection.connect({ address });
}
