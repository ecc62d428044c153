// A memcached server as a control plane drives it (engines/node.ts). memcached takes its settings as
// command-line options, so they are all start options here; a running node changes none.
import type { CacheNode } from '../node.ts';
import { createMemcachedServer, type MemcachedServerOptions } from './server.ts';

export interface MemcachedNode extends CacheNode {
  readonly kind: 'memcached';
}

export function createMemcachedNode(options: MemcachedServerOptions): MemcachedNode {
  // ElastiCache's memcached nodes serve no UDP, whatever reaches them: -U is for bare servers only.
  const server = createMemcachedServer({ ...options, udpPort: 0, settings: { ...options.settings, udpPort: 0 } });
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
