/** Opens the configured KV engine. */
import { FoundationDbKvEngine } from './fdb-engine.ts';
import { LmdbKvEngine } from './lmdb-engine.ts';
import { MemoryKvEngine } from './memory-engine.ts';
import type { KvEngine } from './types.ts';

export type KvConfig =
  | { readonly engine: 'memory' }
  | { readonly engine: 'lmdb'; readonly path: string }
  | { readonly engine: 'foundationdb'; readonly clusterFile: string };

export function openKvEngine(config: KvConfig): Promise<KvEngine> {
  switch (config.engine) {
    case 'memory':
      return MemoryKvEngine.create();
    case 'lmdb':
      return LmdbKvEngine.open({ path: config.path });
    case 'foundationdb':
      return FoundationDbKvEngine.open({ clusterFile: config.clusterFile });
  }
}
