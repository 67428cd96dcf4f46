import { GeneralError } from '../../infra/errors.ts';
import { fileChainIds, findChainTable, MAX_INODE_ID } from '../../infra/mgmtd/index.ts';
import type { ChainId, FileLayout } from '../../infra/mgmtd/index.ts';
import type { RoutingSource } from '../../storage/index.ts';

/** A file as the data path sees it: meta hands out both when a file is created or opened. */
export interface FileRef {
  readonly inodeId: bigint;
  readonly layout: FileLayout;
}

export function checkFile(file: FileRef): void {
  if (typeof file.inodeId !== 'bigint' || file.inodeId < 0n || file.inodeId > MAX_INODE_ID) {
    throw GeneralError.INVALID_ARGUMENT(`inode id must be a bigint in [0, 2^64), got ${String(file.inodeId)}`, {
      context: { inodeId: String(file.inodeId) },
    });
  }
}

/**
 * The file's chains (entry k serves chunks i with i mod stripe = k), from the chain table version its layout pins.
 * A table missing from the cached routing is asked for once (a client that just connected, or a table created a
 * moment ago); still missing, the layout is wrong for this cluster and no retry will fix it.
 */
export async function resolveFileChains(routing: RoutingSource, file: FileRef): Promise<ChainId[]> {
  checkFile(file);
  const { chainTableId, tableVersion } = file.layout;
  let table = findChainTable(routing.current(), chainTableId, tableVersion);
  if (table === null) table = findChainTable(await routing.refresh(), chainTableId, tableVersion);
  if (table === null) {
    throw GeneralError.INVALID_ARGUMENT(
      `inode ${file.inodeId}: its layout pins chain table ${chainTableId} v${tableVersion}, which is not in routing v${routing.current().version}`,
      { context: { inodeId: file.inodeId.toString(), chainTableId, tableVersion } },
    );
  }
  return fileChainIds(file.layout, table);
}
