import type { ChainId } from '../infra/mgmtd/index.ts';

/**
 * The updates a storage node is applying right now (stage, forward, commit), by chain and the chain version they
 * were admitted at. A sync waits until no update admitted under an older chain version is left: such an update may
 * have been admitted before the successor became SYNCING, and so commits here without reaching it. Once the node
 * holds the new routing, no new one starts (requests and lock waiters re-check the chain version), so the wait ends.
 */
export class InflightUpdates {
  private readonly running = new Map<ChainId, Map<number, number>>();
  private readonly waiters = new Set<{ chainId: ChainId; below: number; resolve: () => void }>();

  /** Counts an update in; the returned function counts it out (call it exactly once). */
  enter(chainId: ChainId, chainVer: number): () => void {
    const versions = this.running.get(chainId) ?? new Map<number, number>();
    this.running.set(chainId, versions);
    versions.set(chainVer, (versions.get(chainVer) ?? 0) + 1);
    return () => {
      const left = (versions.get(chainVer) ?? 1) - 1;
      if (left > 0) versions.set(chainVer, left);
      else versions.delete(chainVer);
      if (versions.size === 0) this.running.delete(chainId);
      for (const w of [...this.waiters]) {
        if (w.chainId === chainId && !this.busyBelow(chainId, w.below)) {
          this.waiters.delete(w);
          w.resolve();
        }
      }
    };
  }

  /** Resolves once no update of `chainId` admitted at a chain version below `below` is running. */
  drained(chainId: ChainId, below: number): Promise<void> {
    if (!this.busyBelow(chainId, below)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ chainId, below, resolve }));
  }

  private busyBelow(chainId: ChainId, below: number): boolean {
    for (const version of this.running.get(chainId)?.keys() ?? []) if (version < below) return true;
    return false;
  }
}
