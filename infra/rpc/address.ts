export interface RpcAddress {
  readonly host: string;
  readonly port: number;
}

/** "host:port", with IPv6 hosts in brackets. */
export function formatAddress(address: RpcAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
