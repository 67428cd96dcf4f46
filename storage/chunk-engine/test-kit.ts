/** Helpers for the chunk engine's tests: temp targets, chunk ids, deterministic payloads, crash hooks. */
import { crc32c } from '@node-rs/crc32';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { encodeChunkId } from '../../infra/mgmtd/index.ts';
import { ChunkEngine, type ChunkEngineOptions } from './chunk-engine.ts';
import type { ChunkEngineFaults, EngineOp, EngineStep } from './faults.ts';
import type { ReplaceRequest, WriteRequest } from './types.ts';

export const KiB = 1024;

/** Small classes so tests touch little disk: 4 KiB, 16 KiB, 64 KiB; a group of 16/4/1 slots; two files a class. */
export const SMALL_LAYOUT: Pick<ChunkEngineOptions, 'sizeClasses' | 'filesPerClass' | 'growthBytes'> = {
  sizeClasses: [4 * KiB, 16 * KiB, 64 * KiB],
  filesPerClass: 2,
  growthBytes: 64 * KiB,
};

export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'firepond-chunks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens an engine on `dir` (a new temp dir by default) with the small layout, not durable unless asked. */
export async function openEngine(t: TestContext, options: Partial<ChunkEngineOptions> & { dir?: string } = {}): Promise<ChunkEngine> {
  const { dir = await tempDir(t), ...rest } = options;
  const engine = await ChunkEngine.open(dir, { ...SMALL_LAYOUT, durable: false, ...rest });
  t.after(() => engine.close());
  return engine;
}

export function cid(inode: number | bigint, index: number): Uint8Array {
  return encodeChunkId(BigInt(inode), index);
}

/** `length` bytes that depend on `seed` and position. */
export function payload(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function writeOf(offset: number, data: Buffer, updateVer: number, chainVer = 1): WriteRequest {
  return { offset, data, crc32c: crc32c(data), updateVer, chainVer };
}

export function replaceOf(data: Buffer, updateVer: number, chainVer = 1): ReplaceRequest {
  return { data, crc32c: crc32c(data), updateVer, chainVer };
}

export class SimulatedCrash extends Error {
  constructor(readonly step: EngineStep, readonly op: EngineOp) {
    super(`simulated crash at ${op}/${step}`);
  }
}

/** A faults hook that throws once at the armed (op, step), as a crash would stop the process there. */
export class CrashSwitch implements ChunkEngineFaults {
  private armed: { op: EngineOp; step: EngineStep; error: Error | null } | null = null;
  fired = 0;

  arm(op: EngineOp, step: EngineStep, error: Error | null = null): void {
    this.armed = { op, step, error };
  }

  step(step: EngineStep, context: { readonly op: EngineOp }): void {
    const armed = this.armed;
    if (armed === null || armed.step !== step || armed.op !== context.op) return;
    this.armed = null;
    this.fired += 1;
    throw armed.error ?? new SimulatedCrash(step, context.op);
  }
}
