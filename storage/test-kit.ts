/**
 * An in-process storage fabric for tests: N storage servers on loopback (port 0), each with its own target dirs in
 * a temp dir, a static routing of generated chains over them, and a storage client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { generateChainTable } from '../infra/mgmtd/index.ts';
import type { ChainId, ChainInfo, ChainTargetInfo, PublicTargetState, RoutingInfo, TargetId } from '../infra/mgmtd/index.ts';
import type { RpcClientOptions, RpcFaults } from '../infra/rpc/index.ts';
import { createStub, formatAddress, RpcClient } from '../infra/rpc/index.ts';
import type { ServiceStub } from '../infra/rpc/index.ts';
import { targetAddress } from './node-address.ts';
import { StorageService } from './protocol.ts';
import type { StorageServiceDef } from './protocol.ts';
import type { ChunkEngine } from './chunk-engine/index.ts';
import { StorageClient } from './client.ts';
import type { StorageClientOptions } from './client.ts';
import { StaticRoutingSource } from './routing-source.ts';
import { StorageServer } from './server.ts';
import type { StorageFaults } from './server.ts';

export const SECRET = 'b'.repeat(64);
const KiB = 1024;

/** Small size classes: tests touch little disk. */
export const TEST_ENGINE = { sizeClasses: [4 * KiB, 16 * KiB, 64 * KiB], filesPerClass: 1, growthBytes: 64 * KiB, durable: false } as const;

export interface FabricOptions {
  readonly nodes?: number;
  readonly targetsPerNode?: number;
  readonly client?: Partial<StorageClientOptions>;
  readonly clientRpc?: Partial<RpcClientOptions>;
  /** Per node id: faults of the node's RPC listener, of its forwarding client, and storage hooks. */
  readonly serverFaults?: (nodeId: number) => RpcFaults | null;
  readonly forwardFaults?: (nodeId: number) => RpcFaults | null;
  readonly storageFaults?: (nodeId: number) => StorageFaults | null;
  /** How long a replica waits for its successor; 5 s by default. */
  readonly forwardTimeoutMs?: number;
}

export interface Fabric {
  readonly routing: StaticRoutingSource;
  readonly servers: ReadonlyMap<number, StorageServer>;
  readonly client: StorageClient;
  chain(chainId: ChainId): ChainInfo;
  /** The chunk engine of a target, wherever it lives. */
  engine(targetId: TargetId): ChunkEngine;
  /** Installs a new order/state list for a chain, bumping its version and the routing version. */
  setChain(chainId: ChainId, targets: readonly ChainTargetInfo[]): ChainInfo;
  /** A second client, closed with the test. */
  newClient(options?: Partial<StorageClientOptions>): StorageClient;
}

export async function startFabric(t: TestContext, options: FabricOptions = {}): Promise<Fabric> {
  const nodeIds = Array.from({ length: options.nodes ?? 3 }, (_, i) => i + 1);
  const generated = generateChainTable({ chainTableId: 1, storageNodeIds: nodeIds, targetsPerNode: options.targetsPerNode ?? 1, replicationFactor: 3 });
  const dir = await mkdtemp(join(tmpdir(), 'firepond-storage-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const routing = new StaticRoutingSource({
    version: 1,
    nodes: nodeIds.map((nodeId) => ({ nodeId, type: 'STORAGE', address: null, status: 'CONNECTED', lastHeartbeatMs: null })),
    targets: generated.targets.map((target) => ({ ...target, localState: 'UPTODATE' })),
    chains: generated.chains,
    chainTables: [generated.chainTable],
  });
  const servers = new Map<number, StorageServer>();
  for (const nodeId of nodeIds) {
    const server = await StorageServer.create({
      secret: SECRET,
      routing,
      targets: generated.targets.filter((x) => x.nodeId === nodeId).map((x) => ({ targetId: x.targetId, dir: join(dir, `target-${x.targetId}`) })),
      engine: TEST_ENGINE,
      rpc: { faults: options.serverFaults?.(nodeId) ?? null, closeGraceMs: 1000 },
      forwardFaults: options.forwardFaults?.(nodeId) ?? null,
      faults: options.storageFaults?.(nodeId) ?? null,
      forwardTimeoutMs: options.forwardTimeoutMs ?? 5000,
    });
    t.after(() => server.close());
    servers.set(nodeId, server);
  }
  const withAddresses = routing.current();
  routing.set({ ...withAddresses, version: withAddresses.version + 1, nodes: withAddresses.nodes.map((n) => ({ ...n, address: formatAddress(servers.get(n.nodeId)!.address) })) });

  const newClient = (extra: Partial<StorageClientOptions> = {}): StorageClient => {
    const client = StorageClient.create({
      routing,
      backoffBaseMs: 2,
      ...options.client,
      ...extra,
      rpc: { secret: SECRET, timeoutMs: 5000, ...options.clientRpc, ...extra.rpc },
    });
    t.after(() => client.close());
    return client;
  };

  const chain = (chainId: ChainId): ChainInfo => {
    const found = routing.current().chains.find((c) => c.chainId === chainId);
    if (found === undefined) throw new Error(`no chain ${chainId}`);
    return found;
  };
  return {
    routing,
    servers,
    client: newClient(),
    chain,
    engine: (targetId) => {
      for (const server of servers.values()) if (server.targets.has(targetId)) return server.targets.get(targetId).engine;
      throw new Error(`no target ${targetId}`);
    },
    setChain: (chainId, targets) => {
      const next: ChainInfo = { chainId, chainVersion: chain(chainId).chainVersion + 1, targets };
      routing.set(withChain(routing.current(), next));
      return next;
    },
    newClient,
  };
}

function withChain(routing: RoutingInfo, next: ChainInfo): RoutingInfo {
  const states = new Map<TargetId, PublicTargetState>(next.targets.map((t) => [t.targetId, t.publicState]));
  return {
    ...routing,
    version: routing.version + 1,
    chains: routing.chains.map((c) => (c.chainId === next.chainId ? next : c)),
    targets: routing.targets.map((t) => ({ ...t, publicState: states.get(t.targetId) ?? t.publicState })),
  };
}

// Chunk ids and deterministic payloads: the chunk engine's test helpers, shared rather than copied.
export { cid, payload } from './chunk-engine/test-kit.ts';

/** A raw storage stub at one target's node, for requests the client would never send. Closed with the test. */
export function rawStub(t: TestContext, fabric: Fabric, targetId: TargetId): ServiceStub<StorageServiceDef> {
  const client = RpcClient.create({ secret: SECRET, timeoutMs: 5000 });
  t.after(() => client.close());
  return createStub(client, StorageService, targetAddress(fabric.routing.current(), targetId));
}

/** Committed state of a chunk on each target, comparable across replicas. */
export function replicaStates(fabric: Fabric, targetIds: readonly TargetId[], chunkId: Uint8Array): unknown[] {
  return targetIds.map((id) => {
    const meta = fabric.engine(id).stat(chunkId);
    return meta === null ? null : { commitVer: meta.commitVer, length: meta.length, crc32c: meta.crc32c, state: meta.state };
  });
}
