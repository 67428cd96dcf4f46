import type { FirepondError } from '../errors.ts';
import { RpcError } from '../errors.ts';
import { formatAddress } from './address.ts';
import type { RpcAddress } from './address.ts';
import type { CallOwner, OutgoingCall } from './client-call.ts';
import { ClientConnection } from './client-connection.ts';
import type { ClientConnectionOptions } from './client-connection.ts';

export interface AddressPoolLimits {
  readonly connections: number;
  readonly maxInFlightPerConnection: number;
  readonly maxWaitingCalls: number;
}

export interface AddressPoolStats {
  readonly connections: number;
  readonly ready: number;
  readonly inFlight: number;
  readonly waiting: number;
  readonly queuedFrames: number;
}

/**
 * The connections to one address and the calls waiting for a slot on them.
 *
 * A call goes to the ready connection with the fewest calls in flight, if one has room below
 * `maxInFlightPerConnection`; otherwise it waits here (FIFO, inside its own deadline). While every connection is busy
 * and there are fewer than `connections`, another one is opened (one handshake at a time). At most `maxWaitingCalls` wait; beyond that a call fails at once with
 * RPC_OVERLOADED. So a stalled server costs a bounded number of frames per connection, never an unbounded queue.
 *
 * A connection that closes fails its calls (RPC_CONNECTION_CLOSED); the next call opens a new one, which is how a
 * restarted server is picked up. When connecting fails and nothing else is connecting, the waiting calls fail with
 * that error (SERVER_UNAVAILABLE, RPC_AUTH_FAILED) rather than retry here; retry policy belongs to service stubs.
 */
export class AddressPool implements CallOwner {
  readonly peer: string;
  private readonly connections: ClientConnection[] = [];
  private readonly waiting: OutgoingCall[] = [];
  private dispatching = false;
  private dispatchAgain = false;
  private closed = false;

  constructor(
    private readonly address: RpcAddress,
    private readonly limits: AddressPoolLimits,
    private readonly connectionOptions: ClientConnectionOptions,
  ) {
    this.peer = formatAddress(address);
  }

  submit(call: OutgoingCall): void {
    if (call.isSettled) return;
    if (this.closed) return call.fail(RpcError.CONNECTION_CLOSED(this.peer, 'client closed'));
    if (this.waiting.length >= this.limits.maxWaitingCalls) return call.fail(RpcError.OVERLOADED(this.peer, this.waiting.length));
    call.owner = this;
    this.waiting.push(call);
    this.dispatch();
  }

  release(call: OutgoingCall): void {
    const i = this.waiting.indexOf(call);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  stats(): AddressPoolStats {
    let ready = 0;
    let inFlight = 0;
    let queuedFrames = 0;
    for (const c of this.connections) {
      if (c.isReady) ready += 1;
      inFlight += c.inFlight;
      queuedFrames += c.queuedFrames;
    }
    return { connections: this.connections.length, ready, inFlight, waiting: this.waiting.length, queuedFrames };
  }

  close(reason: FirepondError): void {
    this.closed = true;
    this.failWaiting(reason);
    for (const c of [...this.connections]) c.close(reason);
  }

  private dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        while (this.waiting.length > 0 && !this.closed) {
          const connection = this.leastLoaded();
          // Spread concurrent calls: when every connection is busy, open another (up to the limit).
          if (connection === null || connection.inFlight > 0) this.maybeConnect();
          if (connection === null) break;
          const call = this.waiting.shift()!;
          call.owner = null;
          connection.start(call);
        }
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  private leastLoaded(): ClientConnection | null {
    let best: ClientConnection | null = null;
    for (const c of this.connections) {
      if (!c.isReady || c.inFlight >= this.limits.maxInFlightPerConnection) continue;
      if (best === null || c.inFlight < best.inFlight) best = c;
    }
    return best;
  }

  private maybeConnect(): void {
    if (this.connections.length >= this.limits.connections) return;
    if (this.connections.some((c) => !c.isReady && !c.isClosed)) return; // one handshake at a time
    const connection = new ClientConnection(this.address, this.connectionOptions, {
      onReady: () => this.dispatch(),
      onSlotFreed: () => this.dispatch(),
      onClosed: (c, reason, wasReady) => this.onConnectionClosed(c, reason, wasReady),
    });
    this.connections.push(connection);
  }

  private onConnectionClosed(connection: ClientConnection, reason: FirepondError, wasReady: boolean): void {
    const i = this.connections.indexOf(connection);
    if (i >= 0) this.connections.splice(i, 1);
    if (this.closed) return;
    if (!wasReady && !this.connections.some((c) => c.isReady)) this.failWaiting(reason);
    this.dispatch();
  }

  private failWaiting(reason: FirepondError): void {
    const calls = this.waiting.splice(0);
    for (const call of calls) {
      call.owner = null;
      call.fail(reason);
    }
  }
}
