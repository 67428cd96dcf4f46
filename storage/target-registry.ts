import { GeneralError, StorageError } from '../infra/errors.ts';
import type { LocalTargetState, TargetId } from '../infra/mgmtd/index.ts';
import { ChunkEngine } from './chunk-engine/index.ts';
import type { ChunkEngineOptions } from './chunk-engine/index.ts';
import { REJOINING } from './local-states.ts';

export interface TargetSpec {
  readonly targetId: TargetId;
  /** The target's directory: one chunk engine each. */
  readonly dir: string;
}

export interface LocalTarget {
  readonly targetId: TargetId;
  readonly engine: ChunkEngine;
  /** What the next heartbeat reports (see `nextLocalStatus`). */
  localState: LocalTargetState;
  /** Behind the rejoin gate: reported OFFLINE and serving nothing until mgmtd shows it OFFLINE or LASTSRV. */
  rejoining: boolean;
}

export interface TargetRegistryOptions {
  /**
   * Start every target behind the rejoin gate (a storage process does: it cannot know what it missed while down).
   * False starts them UPTODATE, for in-process fabrics whose routing a test sets by hand.
   */
  readonly rejoin?: boolean;
}

/** The targets one storage process serves, each with its chunk engine. */
export class TargetRegistry {
  private closing: Promise<void> | null = null;

  private constructor(private readonly targets: ReadonlyMap<TargetId, LocalTarget>) {}

  static async open(specs: readonly TargetSpec[], engineOptions: Partial<ChunkEngineOptions> = {}, options: TargetRegistryOptions = {}): Promise<TargetRegistry> {
    const initial = options.rejoin === true ? REJOINING : { localState: 'UPTODATE' as const, rejoining: false };
    const targets = new Map<TargetId, LocalTarget>();
    try {
      for (const spec of specs) {
        if (targets.has(spec.targetId)) throw GeneralError.INVALID_ARGUMENT(`target ${spec.targetId} is listed twice`);
        const engine = await ChunkEngine.open(spec.dir, engineOptions);
        targets.set(spec.targetId, { targetId: spec.targetId, engine, ...initial });
      }
    } catch (err) {
      await Promise.allSettled([...targets.values()].map((t) => t.engine.close()));
      throw err;
    }
    return new TargetRegistry(targets);
  }

  has(targetId: TargetId): boolean {
    return this.targets.has(targetId);
  }

  get(targetId: TargetId): LocalTarget {
    const target = this.targets.get(targetId);
    if (target === undefined) {
      throw StorageError.ROUTING_ERROR(`target ${targetId} is not served here`, { context: { targetId } });
    }
    return target;
  }

  all(): LocalTarget[] {
    return [...this.targets.values()];
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([...this.targets.values()].map((t) => t.engine.close())).then(() => undefined);
    return this.closing;
  }
}
