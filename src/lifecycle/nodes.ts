import { createMemcachedServer, type ClusterConfig } from '../../engines/memcached/index.ts';
import { createRedisServer } from '../../engines/redis/index.ts';
import type { Engine } from '../store/records.ts';
import type { PortAllocator } from './ports.ts';

export interface NodeSpec {
  engine: Engine;
  /** The port the record owns; 0 or a port lost to another program gets a fresh one. */
  port: number;
  host: string;
  memoryBytes: number;
  tls?: { key: string; cert: string };
  authToken?: string;
  engineVersion: string;
  clusterConfig?: () => ClusterConfig;
}

interface RunningNode {
  port: number;
  close(): Promise<void>;
}

function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'EADDRINUSE';
}

/**
 * Starts and stops engine instances for cache nodes. This is the one place the control plane touches
 * an engine, and only through the engines' small public interface.
 */
export class NodeSupervisor {
  private readonly running = new Map<string, RunningNode>();

  constructor(private readonly ports: PortAllocator) {}

  portOf(key: string): number | undefined {
    return this.running.get(key)?.port;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Starts the node and answers the port it really listens on. */
  async start(key: string, spec: NodeSpec): Promise<number> {
    await this.stop(key);
    let port = spec.port || (await this.ports.allocate());
    for (let attempt = 0; ; attempt++) {
      const server = this.create(spec, port);
      try {
        const bound = await server.listen();
        this.running.set(key, { port: bound, close: () => server.close() });
        this.ports.reserve(bound);
        return bound;
      } catch (err) {
        if (!isAddressInUse(err) || attempt >= 20) throw err;
        // Someone else took the port while we were down: AWS would keep the DNS name, we must move.
        port = await this.ports.allocate();
      }
    }
  }

  private create(spec: NodeSpec, port: number) {
    if (spec.engine === 'memcached') {
      return createMemcachedServer({
        host: spec.host,
        port,
        tls: spec.tls,
        memoryLimit: spec.memoryBytes,
        clusterConfig: spec.clusterConfig,
        version: spec.engineVersion,
      });
    }
    return createRedisServer({
      host: spec.host,
      port,
      tls: spec.tls,
      maxmemory: spec.memoryBytes,
      requirepass: spec.authToken,
      mode: 'node',
      version: spec.engineVersion,
    });
  }

  async stop(key: string): Promise<void> {
    const node = this.running.get(key);
    if (!node) return;
    this.running.delete(key);
    await node.close();
  }

  async stopAll(): Promise<void> {
    const all = [...this.running.keys()];
    await Promise.all(all.map((k) => this.stop(k)));
  }
}
