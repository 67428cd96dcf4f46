/**
 * firepond/fs, the in-process file client. For now its data path: chunk I/O on files named by inode id and layout
 * (`pwrite`, `pread`, `fileLength`) against a running cluster. The path-level API (open, stat, readdir, …) needs
 * the metadata service and comes with it.
 *
 *   import { connect, defaultLayout } from 'firepond/fs';
 *   const fs = await connect({ dataDir: '.firepond' });
 *   const file = { inodeId: 1n, layout: defaultLayout(fs.routing()) };
 *   await fs.pwrite(file, 0, Buffer.from('hello'));
 *   console.log((await fs.pread(file, 0, 5)).toString(), await fs.fileLength(file));
 *   await fs.close();
 */
export { connect, CONNECT_DEFAULTS } from './connect.ts';
export type { ConnectOptions, LocalConnectOptions, RemoteConnectOptions } from './connect.ts';
export { FileDataClient } from './file-data-client.ts';
export type { FileRef } from './file-chains.ts';
export type { PreadOptions } from './pread.ts';
export { FILE_DATA_DEFAULTS } from './deps.ts';
export type { ChunkStore, FileDataDeps } from './deps.ts';
export { DEFAULT_LAYOUT, defaultLayout } from './default-layout.ts';
export type { DefaultLayoutOptions } from './default-layout.ts';
export { maxFileEnd, splitRange } from './chunk-ranges.ts';
export type { ChunkPiece } from './chunk-ranges.ts';
export type { FileLayout } from '../../infra/mgmtd/index.ts';
