import { crc32c } from '@node-rs/crc32';
import { StorageError } from '../../infra/errors.ts';
import { knownBulkChecksum, rememberBulkChecksum } from '../../infra/rpc/index.ts';

/**
 * Every hop checks the writer's CRC32C against the bytes that arrived, before storing or forwarding them. A bulk
 * section the transport verified on arrival already has its CRC32C known; that one is compared, not recomputed.
 */
export function checkPayload(data: Uint8Array | null, expected: number, where: string): Uint8Array {
  const bytes = data ?? new Uint8Array(0);
  const known = knownBulkChecksum(bytes);
  const actual = known ?? crc32c(bytes);
  if (actual !== expected >>> 0) {
    throw StorageError.CHECKSUM_MISMATCH(`${where}: payload of ${bytes.length} bytes does not match its CRC32C`, {
      context: { expected: expected >>> 0, actual, bytes: bytes.length },
    });
  }
  // Hashed here (a slice of a batch, say): the engine's own check of the same bytes takes this value.
  if (known === undefined) rememberBulkChecksum(bytes, actual);
  return bytes;
}
