// firepond/cluster: the local stack of a data directory (`firepond up` / `down` / `status`) and its process launcher.
export { clusterServes, down, LOCAL_CLUSTER, mgmtdAddresses, status, storageName, up, withMgmtd } from './local-stack.ts';
export type { StackStatus, UpOptions } from './local-stack.ts';
export { LAUNCHER_DEFAULTS, listServiceNames, readServiceRecord, serviceDir, serviceStatus, startService, stopService } from './launcher.ts';
export type { ServiceRecord, ServiceSpec, ServiceState, ServiceStatus } from './launcher.ts';
