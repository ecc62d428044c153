// Public surface of the memcached engine: the control plane imports only this file.
export type { ClusterConfig } from './context.ts';
export { createMemcachedServer, DEFAULT_VERSION } from './server.ts';
export type { MemcachedServer, MemcachedServerOptions } from './server.ts';
export { createMemcachedNode, type MemcachedNode } from './node.ts';
export type { CacheNode, NodeTls } from '../node.ts';

/** `elasticache-local memcached ...`: a bare server, loaded only when asked for. */
export async function runStandalone(argv: string[]): Promise<void> {
  await (await import('./standalone.ts')).runStandalone(argv);
}
