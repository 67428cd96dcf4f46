/**
 * Wire protocols are declared once, shared by server and client stub (STYLE rule 3):
 *
 *   export const StorageService = defineService({
 *     id: 3,
 *     name: 'storage',
 *     methods: {
 *       write: method<WriteReq, WriteRsp>({ id: 2, requestBulk: 'data' }),
 *       batchRead: method<BatchReadReq, BatchReadRsp>({ id: 1, responseBulk: 'data' }),
 *     },
 *   });
 *
 * Ids never change once used. A bulk field (a Uint8Array | null property of the message) travels as the frame's raw
 * bulk section instead of inside the codec body.
 */
import { GeneralError } from '../errors.ts';

/** Service id 0 is the transport's own handshake. */
export const TRANSPORT_SERVICE_ID = 0;
const MAX_ID = 0xffff;

/** The property names of T whose type is a byte array (optionally null). */
export type BulkField<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends Uint8Array ? K : never;
}[keyof T] &
  string;

export interface MethodDef<Req, Rsp> {
  readonly id: number;
  readonly requestBulk: string | null;
  readonly responseBulk: string | null;
  /** Type carrier only; never set at runtime. */
  readonly types?: { readonly request: Req; readonly response: Rsp };
}

export type AnyMethod = MethodDef<unknown, unknown>;
export type RequestOf<M> = M extends MethodDef<infer Req, unknown> ? Req : never;
export type ResponseOf<M> = M extends MethodDef<unknown, infer Rsp> ? Rsp : never;

export interface MethodSpec<Req, Rsp> {
  readonly id: number;
  readonly requestBulk?: BulkField<Req>;
  readonly responseBulk?: BulkField<Rsp>;
}

export function method<Req, Rsp>(spec: MethodSpec<Req, Rsp>): MethodDef<Req, Rsp> {
  return { id: spec.id, requestBulk: spec.requestBulk ?? null, responseBulk: spec.responseBulk ?? null };
}

export interface ServiceDef<M extends Record<string, AnyMethod>> {
  readonly id: number;
  readonly name: string;
  readonly methods: M;
  /** Method names by id. Typed as plain strings: `keyof M` here would make ServiceDef invariant in M. */
  readonly methodNames: ReadonlyMap<number, string>;
}

export type AnyService = ServiceDef<Record<string, AnyMethod>>;

export function defineService<const M extends Record<string, AnyMethod>>(spec: {
  readonly id: number;
  readonly name: string;
  readonly methods: M;
}): ServiceDef<M> {
  if (!Number.isInteger(spec.id) || spec.id <= TRANSPORT_SERVICE_ID || spec.id > MAX_ID) {
    throw GeneralError.INVALID_ARGUMENT(`service ${spec.name}: id ${spec.id} must be an integer in 1-${MAX_ID}`);
  }
  if (spec.name.length === 0) throw GeneralError.INVALID_ARGUMENT(`service ${spec.id} needs a name`);
  const methodNames = new Map<number, string>();
  for (const [name, def] of Object.entries(spec.methods)) {
    if (!Number.isInteger(def.id) || def.id < 1 || def.id > MAX_ID) {
      throw GeneralError.INVALID_ARGUMENT(`${spec.name}.${name}: method id ${def.id} must be an integer in 1-${MAX_ID}`);
    }
    const taken = methodNames.get(def.id);
    if (taken !== undefined) throw GeneralError.INVALID_ARGUMENT(`${spec.name}: ${name} and ${taken} share method id ${def.id}`);
    methodNames.set(def.id, name);
  }
  return { id: spec.id, name: spec.name, methods: spec.methods, methodNames };
}

/** What a handler learns about the call it serves. */
export interface CallContext {
  readonly service: string;
  readonly method: string;
  /** Remote address, "host:port". */
  readonly peer: string;
  /** When the caller stops waiting (Date.now() milliseconds), or null without a deadline. */
  readonly deadline: number | null;
  /** Aborted when the connection closes or the server shuts down before the handler finished. */
  readonly signal: AbortSignal;
  /**
   * Runs `release` once this call's reply (or error) has been written to the socket, or once it is clear it never
   * will be: a handler that answers with a pooled buffer gives it back there, never earlier.
   */
  afterReply(release: () => void): void;
}

/**
 * The context of a handler called in-process, without the transport: no deadline, never aborted, and nothing to
 * release after a reply (the caller owns what it gets back).
 */
export function localCallContext(service: string, method: string, peer: string): CallContext {
  return { service, method, peer, deadline: null, signal: new AbortController().signal, afterReply: () => undefined };
}

export type Handler<M> = (request: RequestOf<M>, context: CallContext) => ResponseOf<M> | Promise<ResponseOf<M>>;

/** One handler per method of the service; a fake answers NOT_IMPLEMENTED explicitly where it has nothing to do. */
export type Handlers<S extends AnyService> = { readonly [K in keyof S['methods']]: Handler<S['methods'][K]> };

/** Per-call options of a client stub. */
export interface CallOptions {
  /** Overrides the client's default deadline; null waits without limit. */
  readonly timeoutMs?: number | null;
  /**
   * Receive the reply's bulk section straight into this buffer (from its first byte) when it fits, instead of a new
   * one: a reader that reuses its buffers allocates nothing per call. The reply's bulk field is then a view of it;
   * use that field either way (a bulk that does not fit arrives in a buffer of its own). The buffer must not be
   * touched until the call settles; a call that times out stops writing into it before its promise rejects.
   */
  readonly bulkInto?: Uint8Array;
}
