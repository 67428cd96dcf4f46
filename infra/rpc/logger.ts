/** What the transport reports: refused peers, malformed input, dropped connections. Injectable for tests. */
export interface RpcLogger {
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export const consoleRpcLogger: RpcLogger = {
  warn(message, fields) {
    if (fields === undefined) console.warn(`[firepond rpc] ${message}`);
    else console.warn(`[firepond rpc] ${message}`, fields);
  },
};
