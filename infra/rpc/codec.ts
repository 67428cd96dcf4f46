import { Packr } from 'msgpackr';
import { GeneralError, RpcError } from '../errors.ts';

/**
 * The body codec: MessagePack through msgpackr with settings that never change the bytes between releases.
 * - `useRecords: false`: plain maps, no shared record structures that both sides would have to agree on.
 * - `int64AsType: 'bigint'` + `useBigIntExtension`: a bigint comes back as a bigint (ids, versions), also above
 *   64 bits; numbers stay numbers.
 * - `mapsAsObjects`: maps decode as plain objects (message types are objects, not Maps).
 * Uint8Array fields encode inline as MessagePack bin and decode as Buffer views of the body; large byte payloads
 * belong in the bulk section instead (see `splitBulk`).
 */
const packr = new Packr({
  useRecords: false,
  int64AsType: 'bigint',
  useBigIntExtension: true,
  mapsAsObjects: true,
  moreTypes: false,
});

export function encodeBody(value: unknown): Buffer {
  return packr.pack(value);
}

/** Decodes a whole body; trailing bytes or truncated input throw RPC_BAD_FRAME. */
export function decodeBody(body: Buffer): unknown {
  try {
    return packr.unpack(body);
  } catch (err) {
    throw RpcError.BAD_FRAME(`undecodable body: ${(err as Error).message}`);
  }
}

/**
 * Encodes a message whose `field` (if any) travels as the bulk section: the field is left out of the body and its
 * bytes are returned untouched, to be written to the socket as they are.
 */
export function splitBulk(message: unknown, field: string | null): { body: Buffer; bulk: Uint8Array | null } {
  if (field === null) return { body: encodeBody(message), bulk: null };
  if (typeof message !== 'object' || message === null) {
    throw GeneralError.INVALID_ARGUMENT(`message with bulk field '${field}' must be an object`);
  }
  const { [field]: bulk, ...rest } = message as Record<string, unknown>;
  if (bulk === null || bulk === undefined) return { body: encodeBody(rest), bulk: null };
  if (!(bulk instanceof Uint8Array)) throw GeneralError.INVALID_ARGUMENT(`bulk field '${field}' must be a Uint8Array or null`);
  return { body: encodeBody(rest), bulk };
}

/** The inverse of `splitBulk`: puts the received bulk section (or null) back into `field`. */
export function joinBulk(decoded: unknown, field: string | null, bulk: Buffer | null): unknown {
  if (field === null) {
    if (bulk !== null) throw RpcError.BAD_FRAME('bulk section on a message without a bulk field');
    return decoded;
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    throw RpcError.BAD_FRAME(`message with bulk field '${field}' is not an object`);
  }
  (decoded as Record<string, unknown>)[field] = bulk;
  return decoded;
}
