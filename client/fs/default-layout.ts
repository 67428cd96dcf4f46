import { GeneralError } from '../../infra/errors.ts';
import { fileChainIds, findChainTable } from '../../infra/mgmtd/index.ts';
import type { ChainTableId, FileLayout, RoutingInfo } from '../../infra/mgmtd/index.ts';

export interface DefaultLayoutOptions {
  /** 1, the table `firepond up` and `admin init-cluster` create, by default. */
  readonly chainTableId?: ChainTableId;
  /** The newest version in routing by default. */
  readonly tableVersion?: number;
  /** 1 MiB by default, as in 3FS's deploy guide; a power of two. */
  readonly chunkSize?: number;
  /** Every chain of the table by default. */
  readonly stripe?: number;
  readonly baseIndex?: number;
  readonly seed?: number;
}

export const DEFAULT_LAYOUT = { chainTableId: 1, chunkSize: 1024 * 1024, baseIndex: 0, seed: 0 } as const;

/**
 * A layout over the cluster's chain table, for files made before meta exists to choose layouts (meta will advance
 * `baseIndex` per file and pick seeds; until then the caller does). The layout is checked against the table here,
 * so a bad stripe or chunk size fails now rather than at the first write.
 *
 *   const layout = defaultLayout(client.routing(), { chunkSize: 64 * 1024 });
 */
export function defaultLayout(routing: RoutingInfo, options: DefaultLayoutOptions = {}): FileLayout {
  const chainTableId = options.chainTableId ?? DEFAULT_LAYOUT.chainTableId;
  const table = findChainTable(routing, chainTableId, options.tableVersion ?? null);
  if (table === null) {
    const which = options.tableVersion === undefined ? '' : ` v${options.tableVersion}`;
    throw GeneralError.INVALID_ARGUMENT(`chain table ${chainTableId}${which} is not in routing v${routing.version}; is the cluster initialised?`, {
      context: { chainTableId, tableVersion: options.tableVersion ?? null },
    });
  }
  const layout: FileLayout = {
    chainTableId,
    tableVersion: table.version,
    chunkSize: options.chunkSize ?? DEFAULT_LAYOUT.chunkSize,
    stripe: options.stripe ?? table.chains.length,
    baseIndex: options.baseIndex ?? DEFAULT_LAYOUT.baseIndex,
    seed: options.seed ?? DEFAULT_LAYOUT.seed,
  };
  fileChainIds(layout, table); // throws on a stripe, chunk size, base index or seed the table cannot take
  return layout;
}
