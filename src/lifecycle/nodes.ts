import type { Socket } from 'node:net';
import type { ClusterConfig, MemcachedNode } from '../../engines/memcached/index.ts';
import type { KeyFilter, NodeTls, RedisNode } from '../../engines/redis/index.ts';
import { loadedRedisEngine, loadMemcachedEngine, loadRedisEngine } from './engine-modules.ts';
import { memcachedNodeOptions } from './memcached-parameters.ts';
import type { Engine } from '../store/records.ts';
import type { PortAllocator } from './ports.ts';

export interface NodeSpec {
  engine: Engine;
  /** The port the record owns; 0 or a port lost to another program gets a fresh one, unless `keepPort`. */
  port: number;
  /** The port was published (clients were given it): taken by another program, the start fails with PortInUse. */
  keepPort?: boolean;
  host: string;
  memoryBytes: number;
  /** Redis nodes may take TLS and plaintext on one port (preferred); Memcached nodes are always TLS only. */
  tls?: NodeTls;
  engineVersion: string;
  clusterConfig?: () => ClusterConfig;
  /** The effective values of the node's parameter group. */
  parameters: Map<string, string>;
  /** A Redis node in its own worker thread (--node-threads; never in cluster mode). */
  threaded?: boolean;
}

type RunningNode = RedisNode | MemcachedNode;

/** Parameter names ElastiCache exposes that have no engine setting behind them. */
const CONTROL_PLANE_ONLY = new Set(['reserved-memory-percent', 'cluster-enabled', 'close-on-replica-write']);

/**
 * A parameter group's values as engine settings. A setting the engine refuses keeps its engine default:
 * AWS validated the value already, so it is one the engine does not model.
 */
function engineSettings(parameters: Map<string, string>): Map<string, string> {
  return new Map([...parameters].filter(([name]) => !CONTROL_PLANE_ONLY.has(name)));
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

  /** Hands a connection an endpoint accepted to the Redis node on `port`; false when none takes it. */
  handOff(port: number, socket: Socket): boolean {
    for (const node of this.running.values()) {
      if (node.port === port && node.accept(socket)) return true;
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
      const node = await this.create(spec, port);
      const bound = await node.listen();
      node.configure(engineSettings(spec.parameters));
      return { node, port: bound };
    }, spec.keepPort);
    this.running.set(key, node.node);
    return node.port;
  }

  private async create(spec: NodeSpec, port: number): Promise<RunningNode> {
    if (spec.engine === 'memcached') {
      return (await loadMemcachedEngine()).createMemcachedNode({
        host: spec.host,
        port,
        tls: spec.tls,
        ...memcachedNodeOptions(spec.parameters, spec.memoryBytes, spec.engineVersion),
        clusterConfig: spec.clusterConfig,
        version: spec.engineVersion,
      });
    }
    const options = { host: spec.host, port, tls: spec.tls, maxmemory: spec.memoryBytes, mode: 'node' as const, version: spec.engineVersion, serverName: spec.engine === 'valkey' ? ('valkey' as const) : ('redis' as const) };
    const redis = await loadRedisEngine();
    return spec.threaded ? redis.createThreadedRedisNode(options) : redis.createRedisNode(options);
  }

  /** The running node under `key`, whatever its engine: what network faults act on. */
  node(key: string): RunningNode | undefined {
    return this.running.get(key);
  }

  /** The running Redis node under `key`, if any: what faults, the console and RBAC act on. */
  redisNode(key: string): RedisNode | undefined {
    const node = this.running.get(key);
    return node?.kind === 'redis' ? node : undefined;
  }

  /**
   * Makes `key` a read-only replica of `primaryKey` (a full copy first, then every change), or, with
   * null, a primary that keeps its data. Nodes not running are skipped: they are wired when they start.
   */
  replicaOf(key: string, primaryKey: string | null): void {
    const node = this.redisNode(key);
    if (!node) return;
    const primary = primaryKey === null ? null : this.redisNode(primaryKey);
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
      const primary = this.redisNode(shard.primary);
      if (!primary) continue;
      const replicas = shard.replicas.map((k) => this.redisNode(k)).filter((r): r is RedisNode => r !== undefined);
      specs.push({ primary, replicas, slots: shard.slots });
    }
    if (specs.length > 0) loadedRedisEngine().formNodeCluster(specs);
  }

  /** Takes a node out of cluster mode (a group going back to cluster mode disabled). */
  leaveCluster(key: string): void {
    this.redisNode(key)?.leaveCluster();
  }

  /** Ships what the primary has not yet sent to its replicas, so a promotion loses no acknowledged write. */
  flushReplication(key: string): void {
    this.redisNode(key)?.flushReplication();
  }

  /** Resolves once no write running in slices is half done on the node: a failover sees it whole. */
  async slicedWritesSettled(key: string): Promise<void> {
    await this.redisNode(key)?.slicedWritesSettled();
  }

  /** RedisNode.fenceWrites of the node (a release that does nothing when it is not running). */
  async fenceWrites(key: string): Promise<() => void> {
    return (await this.redisNode(key)?.fenceWrites()) ?? (() => undefined);
  }

  /** Keys of the running nodes whose data can be saved (Redis). */
  persistentKeys(): string[] {
    return [...this.running].filter(([, n]) => n.kind === 'redis').map(([k]) => k);
  }

  private dataNode(key: string, what: string): RedisNode {
    const node = this.redisNode(key);
    if (!node) throw new Error(`node ${key} is not running or cannot ${what}`);
    return node;
  }

  snapshot(key: string): Buffer {
    return this.dataNode(key, 'be snapshotted').dump();
  }

  restore(key: string, rdbs: Buffer[], keep?: KeyFilter): void {
    this.dataNode(key, 'load an RDB file').load(rdbs, keep);
  }

  /** The dump of a live node, taken in slices while every node keeps serving. */
  async dump(key: string): Promise<Buffer> {
    return this.dataNode(key, 'be snapshotted').dumpSliced();
  }

  /** restore() in slices, for a node that is already serving. */
  async load(key: string, rdbs: Buffer[], keep?: KeyFilter): Promise<void> {
    await this.dataNode(key, 'load an RDB file').loadSliced(rdbs, keep);
  }

  applyParameters(key: string, parameters: Map<string, string>): void {
    this.running.get(key)?.configure(engineSettings(parameters));
  }

  /** A running Redis node's transit encryption changes for new connections; open ones stay as they are. */
  setTls(key: string, tls: NodeSpec['tls']): void {
    this.redisNode(key)?.setTls(tls);
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
