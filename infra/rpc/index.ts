// infra/rpc: framed, authenticated RPC over TCP. Services declare their protocol with `defineService`; servers
// `register` handlers; clients call through `createStub`.
export { formatAddress } from './address.ts';
export type { RpcAddress } from './address.ts';
export type { ClusterSecret } from './auth.ts';
export { alignedCapacity, BufferPool, BUFFER_POOL_DEFAULTS, leaseOf, POOL_ALIGNMENT } from './buffer-pool.ts';
export type { PooledBuffer } from './buffer-pool.ts';
export { RpcClient, RPC_CLIENT_DEFAULTS } from './client.ts';
export type { RpcClientOptions } from './client.ts';
export type { AddressPoolStats } from './client-pool.ts';
export { FaultRules } from './faults.ts';
export { knownBulkChecksum, rememberBulkChecksum } from './frame.ts';
export type { FaultAction, FaultPoint, FaultRule, RpcFaults } from './faults.ts';
export { consoleRpcLogger } from './logger.ts';
export type { RpcLogger } from './logger.ts';
export { MetricsRegistry } from './metrics.ts';
export type { MetricLabels, Summary } from './metrics.ts';
export { loadOrCreateClusterSecret, SECRET_FILE_NAME } from './secret.ts';
export { RpcServer, RPC_SERVER_DEFAULTS } from './server.ts';
export type { RpcServerOptions } from './server.ts';
export type { ServerConnectionStats } from './server-connection.ts';
export { defineService, localCallContext, method } from './service.ts';
export type { AnyService, BulkField, CallContext, CallOptions, Handler, Handlers, MethodDef, RequestOf, ResponseOf, ServiceDef } from './service.ts';
export { createStub } from './stub.ts';
export type { ServiceStub } from './stub.ts';
