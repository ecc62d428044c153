import type { Socket } from 'node:net';
import { createMemcachedServer, type ClusterConfig } from '../../engines/memcached/index.ts';
import { createRedisServer, formCluster, type RedisServerWithEngine } from '../../engines/redis/index.ts';
import { memcachedNodeOptions } from './memcached-parameters.ts';
import { dumpRdb, dumpRdbSliced, loadRdb, loadRdbSliced } from './redis-rdb.ts';
import type { Engine } from '../store/records.ts';
import type { PortAllocator } from './ports.ts';

export interface NodeSpec {
  engine: Engine;
  /** The port the record owns; 0 or a port lost to another program gets a fresh one. */
  port: number;
  host: string;
  memoryBytes: number;
  /** Redis nodes may take TLS and plaintext on one port (preferred); Memcached nodes are always TLS only. */
  tls?: { key: string; cert: string; mode?: 'required' | 'preferred' };
  engineVersion: string;
  clusterConfig?: () => ClusterConfig;
  /** The effective values of the node's parameter group. */
  parameters: Map<string, string>;
}

interface RunningNode {
  port: number;
  close(): Promise<void>;
  applyParameters(parameters: Map<string, string>): void;
  /** Redis only: the node's data as an RDB file, and loading one. */
  snapshot?: () => Buffer;
  restore?: (rdbs: Buffer[], keep?: (key: string) => boolean) => void;
  /** Redis only: the server, so another node can replicate from it. */
  redis?: RedisServerWithEngine;
}

/** Parameter names ElastiCache exposes that have no engine setting behind them. */
const CONTROL_PLANE_ONLY = new Set(['reserved-memory-percent', 'cluster-enabled', 'close-on-replica-write']);

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

  /** Hands a connection an endpoint accepted to the Redis node on `port`; false when none takes it. */
  handOff(port: number, socket: Socket): boolean {
    for (const node of this.running.values()) {
      if (node.port !== port || !node.redis) continue;
      node.redis.accept(socket);
      return true;
    }
    return false;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Starts the node and answers the port it really listens on. */
  async start(key: string, spec: NodeSpec): Promise<number> {
    await this.stop(key);
    const node = await this.ports.bind(spec.port, async (port) => {
      const { server, applyParameters, snapshot, restore, redis } = this.create(spec, port);
      const bound = await server.listen();
      applyParameters(spec.parameters);
      return { port: bound, close: () => server.close(), applyParameters, snapshot, restore, redis };
    });
    this.running.set(key, node);
    return node.port;
  }

  private create(spec: NodeSpec, port: number) {
    if (spec.engine === 'memcached') {
      const server = createMemcachedServer({
        host: spec.host,
        port,
        tls: spec.tls,
        ...memcachedNodeOptions(spec.parameters, spec.memoryBytes),
        clusterConfig: spec.clusterConfig,
        version: spec.engineVersion,
      });
      // Memcached's parameters all take effect at start (they need a reboot on AWS too).
      return { server, applyParameters: () => undefined, snapshot: undefined, restore: undefined, redis: undefined };
    }
    const server = createRedisServer({
      host: spec.host,
      port,
      tls: spec.tls,
      maxmemory: spec.memoryBytes,
      mode: 'node',
      version: spec.engineVersion,
    });
    const applyParameters = (parameters: Map<string, string>) => {
      for (const [name, value] of parameters) {
        if (CONTROL_PLANE_ONLY.has(name)) continue;
        try {
          server.engine.config.set(name, value);
        } catch {
          // A parameter the engine does not model keeps its engine default; AWS validated the value already.
        }
      }
    };
    return { server, applyParameters, snapshot: () => dumpRdb(server), restore: (rdbs: Buffer[], keep?: (key: string) => boolean) => loadRdb(server, rdbs, keep), redis: server };
  }

  /**
   * Makes `key` a read-only replica of `primaryKey` (a full copy first, then every change), or, with
   * null, a primary that keeps its data. Nodes not running are skipped: they are wired when they start.
   */
  replicaOf(key: string, primaryKey: string | null): void {
    const node = this.running.get(key)?.redis;
    if (!node) return;
    const primary = primaryKey === null ? null : this.running.get(primaryKey)?.redis;
    if (primary === undefined) return;
    node.replicaOf(primary);
  }

  /**
   * Joins running nodes into one cluster-mode group (CLUSTER SLOTS/NODES, MOVED) with each shard's
   * replicas following its primary. Shards with a node not running are left out until it runs.
   */
  formCluster(shards: { primary: string; replicas: string[]; slots: [number, number][] }[]): void {
    const specs = [];
    for (const shard of shards) {
      const primary = this.running.get(shard.primary)?.redis;
      if (!primary) continue;
      const replicas = shard.replicas.map((k) => this.running.get(k)?.redis).filter((r): r is RedisServerWithEngine => r !== undefined);
      specs.push({ primary, replicas, slots: shard.slots });
    }
    if (specs.length > 0) formCluster(specs);
  }

  /** Takes a node out of cluster mode (a group going back to cluster mode disabled). */
  leaveCluster(key: string): void {
    const redis = this.running.get(key)?.redis;
    if (redis) redis.engine.cluster = null;
  }

  /** The Redis server of a running node, for moving keys between shards while no client command runs. */
  redisServer(key: string): RedisServerWithEngine | undefined {
    return this.running.get(key)?.redis;
  }

  /** Ships what the primary has not yet sent to its replicas, so a promotion loses no acknowledged write. */
  flushReplication(key: string): void {
    this.running.get(key)?.redis?.engine.replication.flushNow();
  }

  /** Keys of the running nodes whose data can be saved (Redis). */
  persistentKeys(): string[] {
    return [...this.running].filter(([, n]) => n.snapshot).map(([k]) => k);
  }

  snapshot(key: string): Buffer {
    const node = this.running.get(key);
    if (!node?.snapshot) throw new Error(`node ${key} is not running or cannot be snapshotted`);
    return node.snapshot();
  }

  restore(key: string, rdbs: Buffer[], keep?: (key: string) => boolean): void {
    const node = this.running.get(key);
    if (!node?.restore) throw new Error(`node ${key} is not running or cannot load an RDB file`);
    node.restore(rdbs, keep);
  }

  /** The dump of a live node, taken in slices while every node keeps serving. */
  async dump(key: string): Promise<Buffer> {
    const redis = this.running.get(key)?.redis;
    if (!redis) throw new Error(`node ${key} is not running or cannot be snapshotted`);
    return dumpRdbSliced(redis);
  }

  /** restore() in slices, for a node that is already serving. */
  async load(key: string, rdbs: Buffer[], keep?: (key: string) => boolean): Promise<void> {
    const redis = this.running.get(key)?.redis;
    if (!redis) throw new Error(`node ${key} is not running or cannot load an RDB file`);
    await loadRdbSliced(redis, rdbs, keep);
  }

  applyParameters(key: string, parameters: Map<string, string>): void {
    this.running.get(key)?.applyParameters(parameters);
  }

  /** A running Redis node's transit encryption changes for new connections; open ones stay as they are. */
  setTls(key: string, tls: NodeSpec['tls']): void {
    this.running.get(key)?.redis?.setTls(tls);
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
