// A memcached server as a control plane drives it (engines/node.ts). memcached takes its settings as
// command-line options, so they are all start options here; a running node changes none.
import type { CacheNode } from '../node.ts';
import { createMemcachedServer, type MemcachedServerOptions } from './server.ts';

export interface MemcachedNode extends CacheNode {
  readonly kind: 'memcached';
}

export function createMemcachedNode(options: MemcachedServerOptions): MemcachedNode {
  const server = createMemcachedServer(options);
  return {
    kind: 'memcached',
    get port() {
      return server.port;
    },
    listen: () => server.listen(),
    close: () => server.close(),
    configure: (settings) => [...settings.keys()],
    accept: () => false,
    network: server.network,
    resetConnections: () => server.resetConnections(),
    fillMemory: async (bytes) => server.fillMemory(bytes),
  };
}
