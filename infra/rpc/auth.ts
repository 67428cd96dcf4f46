/**
 * The connection handshake. Every connection proves knowledge of the cluster secret before any call; the secret
 * itself never travels.
 *
 *   server ── HELLO { protocol, nonce: sN } ──────────────▶ client      (sent on accept)
 *   server ◀── AUTH request { nonce: cN, proof: Pc } ─────── client      Pc = HMAC(secret, "client" ‖ sN ‖ cN)
 *   server ── AUTH response { proof: Ps } ────────────────▶ client      Ps = HMAC(secret, "server" ‖ sN ‖ cN)
 *              or status RPC_AUTH_FAILED, then close
 *
 * Fresh nonces on both sides stop replays; the role label stops a server's proof being reflected as a client's.
 * The client checks Ps too, so it never sends data to a server that does not hold the secret. Until the handshake
 * is done, frames are limited to HANDSHAKE_MAX_FRAME_SIZE, so an unauthenticated peer cannot make us allocate.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { encodeBody } from './codec.ts';
import type { OutgoingFrame } from './frame.ts';
import { TRANSPORT_SERVICE_ID } from './service.ts';

export const HELLO_METHOD_ID = 1;
export const AUTH_METHOD_ID = 2;
export const AUTH_PROTOCOL = 1;
export const HANDSHAKE_MAX_FRAME_SIZE = 4096;
const NONCE_SIZE = 32;

/** The shared cluster secret (the hex text of `cluster.secret`, or raw bytes); used only as the HMAC key. */
export type ClusterSecret = string | Uint8Array;

export interface HelloMsg {
  readonly protocol: number;
  readonly nonce: Uint8Array;
}

export interface AuthReq {
  readonly nonce: Uint8Array;
  /** null when the client has no secret: the server refuses it by name instead of guessing. */
  readonly proof: Uint8Array | null;
}

export interface AuthRsp {
  readonly proof: Uint8Array;
}

export function newNonce(): Buffer {
  return randomBytes(NONCE_SIZE);
}

function prove(role: 'client' | 'server', secret: ClusterSecret, serverNonce: Uint8Array, clientNonce: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`firepond-rpc-v${AUTH_PROTOCOL} ${role}`).update(serverNonce).update(clientNonce).digest();
}

export function clientProof(secret: ClusterSecret, serverNonce: Uint8Array, clientNonce: Uint8Array): Buffer {
  return prove('client', secret, serverNonce, clientNonce);
}

export function serverProof(secret: ClusterSecret, serverNonce: Uint8Array, clientNonce: Uint8Array): Buffer {
  return prove('server', secret, serverNonce, clientNonce);
}

/** Constant-time comparison of a received proof (untrusted, any type) with the expected one. */
export function proofMatches(expected: Buffer, received: unknown): boolean {
  return received instanceof Uint8Array && received.length === expected.length && timingSafeEqual(expected, received);
}

/** A received HELLO or AUTH body, checked field by field (it comes from an unauthenticated peer). */
export function isNonce(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === NONCE_SIZE;
}

export function parseHello(value: unknown): HelloMsg | null {
  const v = value as Partial<HelloMsg> | null;
  return typeof v === 'object' && v !== null && v.protocol === AUTH_PROTOCOL && isNonce(v.nonce) ? { protocol: v.protocol, nonce: v.nonce } : null;
}

export function parseAuthReq(value: unknown): AuthReq | null {
  const v = value as Partial<AuthReq> | null;
  if (typeof v !== 'object' || v === null || !isNonce(v.nonce)) return null;
  return { nonce: v.nonce, proof: v.proof instanceof Uint8Array ? v.proof : null };
}

/** The client's AUTH request frame: its nonce and its proof for the server's HELLO nonce (null without a secret). */
export function authRequestFrame(clientNonce: Buffer, proof: Buffer | null): OutgoingFrame {
  return {
    flags: 0,
    serviceId: TRANSPORT_SERVICE_ID,
    methodId: AUTH_METHOD_ID,
    status: 0,
    requestId: 0,
    timeoutMs: 0,
    body: encodeBody({ nonce: clientNonce, proof }),
    bulk: null,
  };
}
