import type { RoutingInfo } from '../infra/mgmtd/index.ts';

/**
 * Where a storage server or client gets routing from. The mgmtd client implements it in production; tests use
 * `StaticRoutingSource`, whose routing they replace by hand.
 */
export interface RoutingSource {
  /** The newest snapshot held, without waiting. */
  current(): RoutingInfo;
  /** Asks for a newer snapshot and returns the newest held afterwards. */
  refresh(): Promise<RoutingInfo>;
}

/** An in-memory routing source: `set` installs a new snapshot, which both `current` and `refresh` return. */
export class StaticRoutingSource implements RoutingSource {
  private routing: RoutingInfo;
  refreshes = 0;

  constructor(initial: RoutingInfo) {
    this.routing = initial;
  }

  current(): RoutingInfo {
    return this.routing;
  }

  refresh(): Promise<RoutingInfo> {
    this.refreshes += 1;
    return Promise.resolve(this.routing);
  }

  set(routing: RoutingInfo): void {
    this.routing = routing;
  }
}
