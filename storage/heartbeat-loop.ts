import type { MgmtdClient, NodeId } from '../infra/mgmtd/index.ts';
import type { StorageServer } from './server.ts';
import type { WriteFence } from './write-fence.ts';

export interface HeartbeatLoopOptions {
  readonly mgmtd: MgmtdClient;
  readonly nodeId: NodeId;
  readonly server: StorageServer;
  readonly fence: WriteFence;
  readonly intervalMs: number;
  readonly log: (message: string) => void;
}

/**
 * A storage node's heartbeats: its targets' local states every `intervalMs`, and at once (`soon`) when one changes.
 * Each answered heartbeat renews the write fence; each routing snapshot goes through `server.applyRouting`, which
 * may change local states and so ask for another heartbeat.
 */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: HeartbeatLoopOptions) {
    this.unsubscribe = options.mgmtd.onRouting((routing) => {
      if (options.server.applyRouting(routing).length > 0) this.soon();
    });
  }

  start(): void {
    this.soon();
  }

  /** Heartbeats now, or right after the one in flight. */
  soon(): void {
    if (this.stopped) return;
    if (this.inFlight !== null) {
      this.again = true;
      return;
    }
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight = this.beat().finally(() => {
      this.inFlight = null;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.soon();
      } else {
        this.timer = setTimeout(() => this.soon(), this.options.intervalMs);
      }
    });
  }

  /**
   * Stops the loop. With `reportOffline`, first tells mgmtd every target is OFFLINE (a clean shutdown), so the chains
   * move on now rather than after the failure interval, and the restarted process passes its rejoin gate at once.
   */
  async stop(reportOffline: boolean): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer !== null) clearTimeout(this.timer);
    await this.inFlight;
    if (!reportOffline) return;
    const { mgmtd, nodeId, server, log } = this.options;
    for (const target of server.targets.all()) {
      target.localState = 'OFFLINE';
      target.rejoining = true;
    }
    try {
      await mgmtd.heartbeat({ nodeId, targets: this.report(), routingVersion: mgmtd.routing?.version ?? 0 });
      log('reported every target OFFLINE to mgmtd');
    } catch (err) {
      log(`could not report the targets OFFLINE (mgmtd will find out after its failure interval): ${(err as Error).message}`);
    }
  }

  private report(): { targetId: number; localState: 'UPTODATE' | 'ONLINE' | 'OFFLINE' }[] {
    return this.options.server.targets.all().map((t) => ({ targetId: t.targetId, localState: t.localState }));
  }

  private async beat(): Promise<void> {
    const { mgmtd, nodeId, server, fence, log } = this.options;
    const sentAtMs = fence.now();
    try {
      const rsp = await mgmtd.heartbeat({ nodeId, targets: this.report(), routingVersion: mgmtd.routing?.version ?? 0 });
      fence.renew(sentAtMs, rsp.failureIntervalMs);
      // A reply without a newer snapshot still settles states decided on the snapshot we hold.
      if (rsp.routing === null && mgmtd.routing !== null && server.applyRouting(mgmtd.routing).length > 0) this.again = true;
    } catch (err) {
      log(`heartbeat failed (this node stops serving ${Math.round(fence.remainingMs())} ms from now unless one gets through): ${(err as Error).message}`);
    }
  }
}
