// A Redis server as a control plane drives it: the node interface (engines/node.ts) plus what only Redis
// has (roles, cluster slots, RDB files, moving keys between shards, the slow log, fault hooks). It hands
// out no engine internals, so whatever holds a RedisNode can change a node only through these methods.
import type { ListenerTls } from '../tls-listener.ts';
import type { CacheNode } from '../node.ts';
import type { UserSpec } from './acl/acl.ts';
import { keySlot } from './cluster.ts';
import type { SlowlogEntry } from './engine.ts';
import { createRedisServer, formCluster, type RedisServerOptions, type RedisServerWithEngine } from './index.ts';
import type { ServerStats } from './inspect.ts';
import type { RdbEntry } from './rdb/entries.ts';
import { loadEntries, snapshotEntrySteps } from './rdb/keyspace-adapter.ts';
import { drainSliced, rangeSliced } from '../slices.ts';
import { dumpRdb, dumpRdbSliced, loadRdb, loadRdbSliced } from './rdb/node-rdb.ts';
import { Engine } from './engine.ts';
import { systemClock } from './clock.ts';
import { linkOverPort, registerLinker, unlinkPort } from './port-links.ts';
import { followPort, type PortFollower } from './replication-port.ts';
import { beginSnapshot, slicedWritesSettled } from './snapshot-fence.ts';
import { withPrimaries } from './hold-writes.ts';

export type { SlowlogEntry } from './engine.ts';
export type { ServerStats } from './inspect.ts';

/** Keys taken from one node for another (resharding); opaque outside the engine. */
export interface KeyBatch {
  readonly count: number;
}

class EntryBatch implements KeyBatch {
  readonly entries: RdbEntry[] = [];
  get count(): number {
    return this.entries.length;
  }
}

/** Keeps only the keys a restore is for (one shard's slots of a backup of many). */
export type KeyFilter = (key: string) => boolean;

export interface RedisNode extends CacheNode {
  readonly kind: 'redis';

  /** ACL users replacing the node's (removed or disabled users' connections close); answers rule errors. */
  setUsers(users: readonly UserSpec[]): string[];
  /** TLS on, off, required or preferred for connections accepted from now on. */
  setTls(tls: ListenerTls | undefined): void;

  /** A read-only replica of `primary` (a full copy, then every change), or with null a primary keeping its data. */
  replicaOf(primary: RedisNode | null): void;
  /** Ships what a primary has not yet sent its replicas, so a promotion loses no acknowledged write. */
  flushReplication(): void;
  /** Resolves once no write running in slices is half done on the node (a failover then sees it whole). */
  slicedWritesSettled(): Promise<void>;
  /**
   * slicedWritesSettled, and from that same turn the node's writes held (as by holdWrites) and no new
   * write in slices started, until the returned release: a pass over several nodes (resharding, a global
   * failover) finds each node as it left it, as one fork's instant would, however long the later waits last.
   */
  fenceWrites(): Promise<() => void>;
  /** Leaves cluster mode (the group went back to cluster mode disabled). */
  leaveCluster(): void;
  /**
   * Its shard was removed from the group: it takes the topology `member` serves, in which it owns no slot,
   * so every key gets MOVED to its new owner (and sharded subscribers sunsubscribe), as a redis-server
   * whose slots migrated away answers until it is shut down.
   */
  departCluster(member: RedisNode): void;

  /** The whole dataset as an RDB file, in one turn (the node is about to go away). */
  dump(): Buffer;
  /** The same while the node keeps serving: written in slices, seeing each write in slices before or after (snapshot-fence.ts). */
  dumpSliced(): Promise<Buffer>;
  /** Replaces the dataset with the files' keys `keep` accepts; a damaged file throws and changes nothing. */
  load(rdbs: Buffer[], keep?: KeyFilter): void;
  /** load() in slices, for a node already serving. */
  loadSliced(rdbs: Buffer[], keep?: KeyFilter): Promise<void>;

  /**
   * Holds the node's writes (as CLIENT PAUSE WRITE) until the returned function is called: keys can then
   * be moved in slices without a write landing between a key's copy and the topology switch.
   */
  holdWrites(): () => void;
  /** Copies of the keys whose slot `destinationOf` sends elsewhere, grouped by destination; the node keeps them. In slices. */
  exportKeys<D>(destinationOf: (slot: number) => D | undefined): Promise<Map<D, KeyBatch>>;
  /** Adds keys another node exported (replacing same-named ones). In slices. */
  importKeys(batch: KeyBatch): Promise<void>;
  /** Removes exported keys once their destination has them. In slices. */
  dropKeys(batch: KeyBatch): Promise<void>;

  /** Slow log entries newer than `afterId`, oldest first. */
  slowlogAfter(afterId: number): SlowlogEntry[];
  /** Live figures for a dashboard (ops/s, memory, keys, clients, hits). */
  stats(): ServerStats;
  /** Runs one command as an internal client; resolves with the raw RESP2 reply. */
  command(args: string[]): Promise<Buffer>;

  /** Fault injection: this replica's link to its primary cut (delayMs null) or delayed, or (null) restored. */
  faultReplication(fault: { delayMs: number | null } | null): void;
  /** Fault injection: used memory raised to `bytes`, or released with 0. */
  fillMemory(bytes: number): Promise<void>;
}

/** One shard of a cluster-mode group: the nodes and the inclusive slot ranges it serves. */
export interface NodeShard {
  primary: RedisNode;
  replicas: RedisNode[];
  slots: [number, number][];
}

/** The server behind each node this module made, so nodes can be wired to each other. */
const servers = new WeakMap<RedisNode, RedisServerWithEngine>();

function serverOf(node: RedisNode): RedisServerWithEngine {
  const server = servers.get(node);
  if (!server) throw new Error('not a node made by createRedisNode');
  return server;
}

function entriesOf(batch: KeyBatch): RdbEntry[] {
  if (!(batch instanceof EntryBatch)) throw new Error('not a batch made by exportKeys');
  return batch.entries;
}

/** Keys a resharding stores per piece of a slice. */
const KEYS_PER_PIECE = 256;

export function createRedisNode(options: RedisServerOptions): RedisNode {
  const server = createRedisServer({ ...options, mode: options.mode ?? 'node' });
  const engine = server.engine;
  let follower: PortFollower | null = null;
  const stopFollowing = (): void => {
    follower?.stop();
    follower = null;
  };
  // What INFO shows of a primary in another thread; it holds no data.
  const standIn = (): Engine => new Engine({ clock: systemClock, mode: 'node', version: engine.version });
  const node: RedisNode = {
    kind: 'redis',
    get port() {
      return server.port;
    },
    listen: () => server.listen(),
    close: () => {
      stopFollowing();
      return server.close();
    },
    accept: (socket) => {
      server.accept(socket);
      return true;
    },
    configure: (settings) => {
      const refused: string[] = [];
      for (const [name, value] of settings) {
        try {
          engine.config.set(name, value);
        } catch {
          refused.push(name);
        }
      }
      if (settings.has('notify-keyspace-events')) follower?.reportEvents();
      return refused;
    },
    setUsers: (users) => engine.acl.replaceUsers(users),
    setTls: (tls) => server.setTls(tls),
    replicaOf: (primary) => {
      if (primary !== null && !servers.has(primary)) return linkOverPort(node, primary);
      unlinkPort(node);
      stopFollowing();
      server.replicaOf(primary === null ? null : serverOf(primary));
    },
    flushReplication: () => engine.replication.flushNow(),
    leaveCluster: () => {
      engine.cluster = null;
    },
    departCluster: (member) => {
      engine.cluster = serverOf(member).engine.cluster;
      engine.pubsub.dropShardChannels(() => true);
    },
    dump: () => dumpRdb(server),
    dumpSliced: async () => {
      const end = await beginSnapshot(engine);
      try {
        return await dumpRdbSliced(server);
      } finally {
        end();
      }
    },
    slicedWritesSettled: () => slicedWritesSettled(withPrimaries(engine)),
    fenceWrites: async () => {
      const end = await beginSnapshot(engine);
      const release = node.holdWrites();
      return () => {
        release();
        end();
      };
    },
    load: (rdbs, keep) => loadRdb(server, rdbs, keep),
    loadSliced: (rdbs, keep) => loadRdbSliced(server, rdbs, keep),
    holdWrites: () => {
      const before = engine.pause;
      const hold = { until: Number.POSITIVE_INFINITY, writesOnly: true };
      if (before === null) engine.pause = hold;
      return () => {
        hold.until = 0;
        if (engine.pause === hold) engine.unpause();
      };
    },
    exportKeys: async <D>(destinationOf: (slot: number) => D | undefined) => {
      const out = new Map<D, EntryBatch>();
      await drainSliced(snapshotEntrySteps(engine), (entry) => {
        if (entry === undefined) return;
        const destination = destinationOf(keySlot(entry.key.toString('latin1')));
        if (destination === undefined) return;
        let batch = out.get(destination);
        if (!batch) out.set(destination, (batch = new EntryBatch()));
        batch.entries.push(entry);
      });
      return out;
    },
    importKeys: async (batch) => {
      const entries = entriesOf(batch);
      await rangeSliced(entries.length, KEYS_PER_PIECE, (from, to) => loadEntries(engine, entries.slice(from, to)));
    },
    dropKeys: async (batch) => {
      await drainSliced(entriesOf(batch)[Symbol.iterator](), (e) => engine.ks.db(e.db).delete(e.key.toString('latin1')));
    },
    slowlogAfter: (afterId) => engine.slowlog.filter((e) => e.id > afterId).reverse(),
    stats: () => server.stats(),
    command: (args) => server.command(args),
    network: server.network,
    resetConnections: () => server.resetConnections(),
    faultReplication: (fault) => server.faultReplication(fault),
    fillMemory: (bytes) => server.fillMemory(bytes),
  };
  servers.set(node, server);
  registerLinker(node, {
    get address() {
      return engine.address;
    },
    serve: (port, replicaAddress) => engine.replication.attachPort(port, replicaAddress),
    follow: (port, primaryAddress) => {
      stopFollowing();
      if (port !== null) follower = followPort(engine, port, primaryAddress, standIn);
    },
  });
  return node;
}

/** Joins listening nodes into one cluster-mode group, each shard's replicas following its primary. */
export function formNodeCluster(shards: NodeShard[]): void {
  formCluster(shards.map((s) => ({ primary: serverOf(s.primary), replicas: s.replicas.map(serverOf), slots: s.slots })));
}
