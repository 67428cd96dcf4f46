import { GeneralError } from '../../infra/errors.ts';
import { readDevServerInfo, resolveAddress, resolveDataDir } from '../../infra/temporal/index.ts';

export interface CommonOptions {
  readonly dataDir?: string;
  readonly address?: string;
  readonly namespace?: string;
}

/** The Temporal address a command talks to: `--address`, `$TEMPORAL_ADDRESS`, else the data dir's dev server. */
export function commandAddress(opts: CommonOptions): string {
  const explicit = resolveAddress({ address: opts.address ?? null });
  if (explicit !== null) return explicit;
  const info = readDevServerInfo(resolveDataDir(opts.dataDir ?? null));
  if (info === null) {
    throw GeneralError.SERVER_UNAVAILABLE(
      `no Temporal server is running for data dir ${resolveDataDir(opts.dataDir ?? null)}; ` +
        'start one with `firepond server start`, or pass --address / set TEMPORAL_ADDRESS',
    );
  }
  return info.address;
}
