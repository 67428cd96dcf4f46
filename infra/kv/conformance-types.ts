/** What the conformance suite needs from an engine under test. */
import type { MemoryKvFaultCounts, MemoryKvFaults } from './memory-faults.ts';
import type { KvConfig } from './open-kv-engine.ts';
import type { KvEngine } from './types.ts';

/** One engine instance prepared for one test. */
export interface KvFixture {
  readonly engine: KvEngine;
  /** Every key a test uses starts with this, so tests can share a FoundationDB cluster. */
  readonly prefix: Buffer;
  /** Moves the engine's clock forward; null when the engine only knows real time. */
  readonly advanceClock: ((ms: number) => void) | null;
  /** Fault injection; null when the engine has none. */
  readonly faults: {
    set(faults: MemoryKvFaults | null): void;
    readonly counts: Readonly<MemoryKvFaultCounts>;
  } | null;
  /** A config other processes can open to share this data; null for in-process engines. */
  readonly sharedConfig: KvConfig | null;
  /** Closes the engine and removes what the fixture made. */
  close(): Promise<void>;
}

export interface KvEngineUnderTest {
  readonly name: string;
  /** Why the engine cannot run here, or null when it can. */
  readonly unavailable: string | null;
  open(): Promise<KvFixture>;
}
