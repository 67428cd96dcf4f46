import { connect, Socket } from 'node:net';

/**
 * Sockets that read into one reused buffer instead of a fresh 64 KiB buffer per read.
 *
 * A 1 MiB frame otherwise arrives as sixteen buffers allocated outside the JS heap, and off-heap buffers that
 * outlive an I/O round trip are freed only by full mark-compacts: at storage rates, several per second per process.
 * A read syscall can also take up to `bytes` at once.
 *
 * The receiver gets each read as a view of the buffer (`transient`): it must copy what it keeps before it returns.
 *
 * One buffer serves every connection of the thread: libuv reads a socket and runs its callback before it reads the
 * next, and every receiver copies what it keeps before its callback returns, so a read never lands on bytes someone
 * still needs. Memory stays one buffer per thread however many connections it holds (mgmtd has one per node).
 */
export const READ_BUFFER_BYTES = 512 * 1024;

/** Called with each read's bytes, a view of the connection's read buffer that is overwritten by the next read. */
export type ReceiveBytes = (bytes: Buffer) => void;

/** A client connection whose reads land in one reused buffer. `receive` is looked up on every read. */
export function connectWithReadBuffer(host: string, port: number, bytes: number, receive: () => ReceiveBytes): Socket {
  return connect({ host, port, onread: onRead(bytes, receive) });
}

/** The part of net.Socket's internals that `adoptWithReadBuffer` relies on (Node 20; checked before use). */
interface SocketWithHandle {
  _handle: { useUserBuffer?: unknown; readStart?: unknown } | null;
}

/**
 * An accepted connection (from a server created with `pauseOnConnect`) moved onto a new Socket that reads into one
 * reused buffer. Node offers `onread` only to sockets it creates for `connect`; the accepted socket's handle is
 * handed to such a socket before it starts reading. Returns null where this Node's sockets lack what that needs; the
 * caller then keeps `raw` and reads it the usual way.
 */
export function adoptWithReadBuffer(raw: Socket, bytes: number, receive: () => ReceiveBytes): Socket | null {
  const internals = raw as unknown as SocketWithHandle;
  const handle = internals._handle;
  if (handle === null || typeof handle !== 'object' || typeof handle.useUserBuffer !== 'function' || typeof handle.readStart !== 'function') return null;
  internals._handle = null;
  // With no handle left to close this only settles the net.Server's own count: from here on its getConnections()
  // and close() do not see the connection; RpcServer tracks and drains its connections itself.
  raw.destroy();
  return new Socket({ handle, onread: onRead(bytes, receive) } as ConstructorParameters<typeof Socket>[0]);
}

/** Node's `onread` option: reads land in the thread's buffer, and each one is passed on as a view of it. */
function onRead(bytes: number, receive: () => ReceiveBytes): { buffer: Buffer; callback: (nread: number, buffer: Uint8Array) => boolean } {
  return {
    buffer: sharedReadBuffer(bytes),
    callback: (nread, buffer) => {
      receive()(Buffer.from(buffer.buffer, buffer.byteOffset, nread));
      return true;
    },
  };
}

const sharedBuffers = new Map<number, Buffer>();

/** The thread's read buffer of `bytes` bytes (see the note at the top). */
function sharedReadBuffer(bytes: number): Buffer {
  let buffer = sharedBuffers.get(bytes);
  if (buffer === undefined) sharedBuffers.set(bytes, (buffer = Buffer.allocUnsafeSlow(bytes)));
  return buffer;
}
