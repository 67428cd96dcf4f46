import type { Registry } from 'prom-client';
import { collectedCounter, collectedGauge, promName } from '../infra/metrics/index.ts';
import { LOCAL_STATES } from '../infra/mgmtd/index.ts';
import type { LocalTargetState } from '../infra/mgmtd/index.ts';
import { CHUNK_ENGINE_COUNTERS } from './chunk-engine/index.ts';
import type { ChunkEngineCounter } from './chunk-engine/index.ts';

/** What the metrics read of the process's targets (a `TargetRegistry`). */
export interface MeteredTargets {
  all(): readonly { readonly targetId: number; readonly localState: LocalTargetState; readonly engine: { readonly metrics: { get(name: ChunkEngineCounter): number } } }[];
}

/**
 * The storage process's own metrics, read from its targets on every scrape: each chunk-engine counter per target
 * (`storage.chunk.write_bytes` → `firepond_storage_chunk_write_bytes_total{target}`: bytes written and read per
 * target, op counts) and how many targets are in each local state. Request counts, latencies and wire bytes per
 * method come from the RPC bridge (`firepond_rpc_server_*{method="storage.write"}`).
 */
export function registerStorageMetrics(registry: Registry, targets: MeteredTargets): void {
  for (const name of CHUNK_ENGINE_COUNTERS) {
    collectedCounter({
      registry,
      name: promName(name, 'counter'),
      help: `${name} of the chunk engine, per target`,
      labelNames: ['target'],
      read: () => targets.all().map((t) => ({ labels: { target: String(t.targetId) }, value: t.engine.metrics.get(name) })),
    });
  }
  collectedGauge({
    registry,
    name: promName('storage.targets', 'gauge'),
    help: 'targets served by this process, by the local state the next heartbeat reports',
    labelNames: ['local_state'],
    read: () => LOCAL_STATES.map((state) => ({ labels: { local_state: state }, value: targets.all().filter((t) => t.localState === state).length })),
  });
}
