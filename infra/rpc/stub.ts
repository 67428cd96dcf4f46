import type { RpcAddress } from './address.ts';
import type { RpcClient } from './client.ts';
import type { AnyService, CallOptions, RequestOf, ResponseOf } from './service.ts';

/** One async function per method of the service, bound to an address. */
export type ServiceStub<S extends AnyService> = {
  readonly [K in keyof S['methods'] & string]: (
    request: RequestOf<S['methods'][K]>,
    options?: CallOptions,
  ) => Promise<ResponseOf<S['methods'][K]>>;
};

/**
 *   const storage = createStub(client, StorageService, address);
 *   const { commitVer } = await storage.write({ chunkId, data }, { timeoutMs: 5_000 });
 */
export function createStub<S extends AnyService>(client: RpcClient, service: S, address: RpcAddress): ServiceStub<S> {
  const stub: Record<string, unknown> = {};
  for (const name of Object.keys(service.methods)) {
    stub[name] = (request: unknown, options?: CallOptions) =>
      client.call(address, service, name, request as RequestOf<S['methods'][string]>, options);
  }
  return Object.freeze(stub) as ServiceStub<S>;
}
