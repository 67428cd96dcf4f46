/**
 * The KV conformance suite: one set of node:test tests that every engine must pass, the way 3FS runs its meta tests
 * over both of its KV engines. `registerKvConformance` registers them for one engine; conformance.test.ts calls it
 * for each engine present. Capabilities an engine lacks (a fake clock, fault injection, sharing across processes)
 * turn the tests that need them into skips with the reason printed.
 */
import { describe, test } from 'node:test';
import { registerBasicTests } from './conformance-basics.ts';
import { registerFaultTests } from './conformance-faults.ts';
import { registerIsolationTests } from './conformance-isolation.ts';
import { registerModelTests } from './conformance-model.ts';
import { registerProcessTests } from './conformance-processes.ts';
import type { KvEngineUnderTest } from './conformance-types.ts';

export type { KvEngineUnderTest, KvFixture } from './conformance-types.ts';

export function registerKvConformance(subject: KvEngineUnderTest): void {
  describe(`KV conformance: ${subject.name}`, () => {
    if (subject.unavailable !== null) {
      const reason = subject.unavailable;
      test(`${subject.name} engine`, (t) => t.skip(reason));
      return;
    }
    registerBasicTests(subject);
    registerModelTests(subject);
    registerIsolationTests(subject);
    registerFaultTests(subject);
    registerProcessTests(subject);
  });
}
