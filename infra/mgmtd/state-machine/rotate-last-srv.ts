import type { ChainInfo, ChainTargetInfo } from '../routing/types.ts';

/**
 * Admin override for a chain stuck on a LASTSRV target that will not come back (`firepond admin rotate-lastsrv`).
 * The LASTSRV head moves to the end as OFFLINE; the next target becomes LASTSRV and everything else OFFLINE, so the
 * next `nextChain` step lets the new LASTSRV serve as soon as it is up.
 *
 * This may lose data: writes committed while the old LASTSRV served alone exist only on it. 3FS warns the same way.
 * The new LASTSRV is chosen as LASTSRV rather than SERVING so it still has to report itself up before serving.
 *
 *   before: [A LASTSRV, B WAITING, C OFFLINE]   after: [B LASTSRV, C OFFLINE, A OFFLINE], version + 1
 *
 * Returns the chain unchanged (same version) unless it has two or more targets and a LASTSRV head.
 */
export function rotateLastSrv(chain: ChainInfo): ChainInfo {
  const [head, ...rest] = chain.targets;
  if (head === undefined || rest.length === 0 || head.publicState !== 'LASTSRV') return chain;
  const targets: ChainTargetInfo[] = [...rest, head].map((t, i) => ({
    targetId: t.targetId,
    publicState: i === 0 ? 'LASTSRV' : 'OFFLINE',
  }));
  return { chainId: chain.chainId, chainVersion: chain.chainVersion + 1, targets };
}
