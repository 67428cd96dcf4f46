/** Shared pieces of the mgmtd service tests: a settable clock, mgmtds over one memory KV engine, direct calls. */
import type { TestContext } from 'node:test';
import type { KvEngine } from '../../kv/index.ts';
import { MemoryKvEngine } from '../../kv/index.ts';
import { localCallContext } from '../../rpc/index.ts';
import type { CallContext, Handlers, RequestOf, ResponseOf } from '../../rpc/index.ts';
import type { MgmtdServiceDef } from '../protocol.ts';
import { Mgmtd } from './mgmtd.ts';
import type { MgmtdOptions } from './mgmtd.ts';

export const LEASE_MS = 3_000;
export const FAILURE_INTERVAL_MS = 5_000;

export interface TestClock {
  readonly now: () => number;
  advance(ms: number): void;
}

export function testClock(startMs = 1_000_000): TestClock {
  let t = startMs;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** The engine keeps the wall clock for aging transactions, so the fake clock's jumps do not age them. */
export async function memoryKv(t: TestContext): Promise<KvEngine> {
  const kv = await MemoryKvEngine.create();
  t.after(() => kv.close());
  return kv;
}

export async function testMgmtd(t: TestContext, kv: KvEngine, clock: TestClock, overrides: Partial<MgmtdOptions> & { address: string }): Promise<Mgmtd> {
  const mgmtd = await Mgmtd.create({
    kv,
    leaseMs: LEASE_MS,
    failureIntervalMs: FAILURE_INTERVAL_MS,
    clock: clock.now,
    log: () => undefined,
    ...overrides,
  });
  t.after(() => mgmtd.close());
  return mgmtd;
}

/** Two mgmtds on one memory KV, `a` primary and `b` standby (both have renewed once), on a test clock. */
export async function primaryAndStandby(t: TestContext): Promise<{ clock: TestClock; kv: KvEngine; a: Mgmtd; b: Mgmtd }> {
  const clock = testClock();
  const kv = await memoryKv(t);
  const a = await testMgmtd(t, kv, clock, { address: 'a:1' });
  const b = await testMgmtd(t, kv, clock, { address: 'b:2' });
  await a.renewLease();
  await b.renewLease();
  return { clock, kv, a, b };
}

const CONTEXT: CallContext = localCallContext('mgmtd', 'test', 'test');

type Methods = MgmtdServiceDef['methods'];

/** Calls a handler directly, without the transport; `context` overrides the caller's deadline or abort signal. */
export async function call<K extends keyof Methods & string>(
  mgmtd: Mgmtd,
  name: K,
  request: RequestOf<Methods[K]>,
  context: Partial<Pick<CallContext, 'deadline' | 'signal'>> = {},
): Promise<ResponseOf<Methods[K]>> {
  const handlers: Handlers<MgmtdServiceDef> = mgmtd.handlers();
  const handler = handlers[name] as (req: RequestOf<Methods[K]>, ctx: CallContext) => ResponseOf<Methods[K]> | Promise<ResponseOf<Methods[K]>>;
  return handler(request, { ...CONTEXT, ...context });
}

/** Registers storage nodes 1..n and creates table 1 over them: n targets per chain at replication n, one per node. */
export async function storageCluster(mgmtd: Mgmtd, n: number): Promise<void> {
  for (let id = 1; id <= n; id++) await call(mgmtd, 'registerNode', { nodeId: id, type: 'STORAGE', address: `127.0.0.1:${9100 + id}` });
  await call(mgmtd, 'createChainTable', { spec: { chainTableId: 1, storageNodeIds: Array.from({ length: n }, (_, i) => i + 1), targetsPerNode: 1, replicationFactor: n } });
}

/** Heartbeat from node `nodeId` reporting its one target (`nodeId * 1000 + 1`) in `state`. */
export function beat(mgmtd: Mgmtd, nodeId: number, state: 'UPTODATE' | 'ONLINE' | 'OFFLINE' = 'UPTODATE'): ReturnType<typeof call<'heartbeat'>> {
  return call(mgmtd, 'heartbeat', { nodeId, targets: [{ targetId: nodeId * 1000 + 1, localState: state }], routingVersion: 0 });
}

/** Lets `ms` pass in steps of a third of the lease, each mgmtd renewing its lease after every step as its loop would. */
export async function elapse(clock: TestClock, ms: number, ...mgmtds: Mgmtd[]): Promise<void> {
  const step = Math.floor(LEASE_MS / 3);
  for (let left = ms; left > 0; left -= step) {
    clock.advance(Math.min(step, left));
    for (const m of mgmtds) await m.renewLease();
  }
}
