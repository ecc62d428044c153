// Public surface of the memcached engine: the control plane imports only this file.
export type { ClusterConfig } from './context.ts';
export { createMemcachedServer, DEFAULT_VERSION } from './server.ts';
export type { MemcachedServer, MemcachedServerOptions } from './server.ts';
