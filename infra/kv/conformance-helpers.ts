/** Small helpers shared by the conformance test groups. */
import type { KvFixture } from './conformance-types.ts';
import { decodeInt64LE, encodeInt64LE } from './atomic-add.ts';
import type { Transaction } from './types.ts';

/** The fixture's prefix followed by `name`. */
export function keyOf(f: KvFixture, name: string): Buffer {
  return Buffer.concat([f.prefix, Buffer.from(name)]);
}

/** The end of the fixture's whole keyspace. */
export function prefixEnd(f: KvFixture): Buffer {
  return Buffer.concat([f.prefix, Buffer.from([0xff])]);
}

export function text(value: Buffer | null): string | null {
  return value === null ? null : value.toString();
}

/** Key names without the fixture prefix. */
export function names(f: KvFixture, pairs: readonly { key: Buffer }[]): string[] {
  return pairs.map((p) => p.key.subarray(f.prefix.length).toString());
}

export async function getInt(tx: Transaction, key: Buffer): Promise<bigint> {
  return decodeInt64LE(await tx.get(key));
}

export function setInt(tx: Transaction, key: Buffer, n: bigint): void {
  tx.set(key, encodeInt64LE(n));
}

export interface Latch {
  readonly promise: Promise<void>;
  open(): void;
}

/** A one-shot signal for forcing an interleaving of concurrent transactions. */
export function latch(): Latch {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
