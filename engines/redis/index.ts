// Public entry point: a Redis-compatible server over TCP or TLS.
import net from 'node:net';
import { systemClock, type Clock } from './clock.ts';
import type { Conn } from './client.ts';
import { ClusterTopology, keySlot, type ClusterNode } from './cluster.ts';
import { Engine } from './engine.ts';
import { runCommand, serverStats, type ServerStats } from './inspect.ts';
import { fillMemory } from './memory-filler.ts';
import { NetworkFaults } from '../network-faults.ts';
import { readDirectly } from '../direct-read.ts';
import { registerEngine, unregisterEngine } from './registry.ts';
import { createSecurableServer, type ListenerTls } from '../tls-listener.ts';
import { allowRelisten } from './config-listen.ts';
import type { UserSpec } from './acl/acl.ts';

export type { UserSpec } from './acl/acl.ts';
export { aclRulesError } from './acl/rules-check.ts';
export { createRedisNode, formNodeCluster } from './node.ts';
export { createThreadedRedisNode } from './threaded-node.ts';
export type { KeyBatch, KeyFilter, NodeShard, RedisNode, ServerStats, SlowlogEntry } from './node.ts';
export type { CacheNode, NodeTls } from '../node.ts';
export { CLUSTER_SLOTS, keySlot, NetworkFaults } from './light.ts';

/** `elasticache-local redis-server ...`: a bare server, loaded only when asked for. */
export async function runStandalone(argv: string[]): Promise<void> {
  await (await import('./standalone.ts')).runStandalone(argv);
}

/** Replaces a node's ACL users (RBAC from a control plane): removed or disabled users' connections close; answers rule errors. */
export function applyUsers(server: RedisServerWithEngine, users: readonly UserSpec[]): string[] {
  return server.engine.acl.replaceUsers(users);
}

export interface RedisServerOptions {
  host?: string;
  port: number;
  /** TLS only, or (mode preferred) TLS and plaintext on the same port. */
  tls?: ListenerTls;
  maxmemory?: number;
  maxmemoryPolicy?: string;
  requirepass?: string;
  mode?: 'bare' | 'node';
  version?: string;
  serverName?: 'redis' | 'valkey';
}

export interface RedisServer {
  readonly port: number;
  listen(): Promise<number>;
  close(): Promise<void>;
  /**
   * Serves a connection accepted by another listener (an endpoint's port) as if it had come to this
   * node's port: TLS is negotiated here when the node uses it, and the node owns the socket from now on.
   */
  accept(socket: net.Socket): void;
}

/** Hooks for tests and embedders that the control plane does not need. */
export interface RedisServerInternals {
  clock?: Clock;
}

export interface RedisServerWithEngine extends RedisServer {
  readonly engine: Engine;
  /** Makes this server a read-only replica of `primary` (same process), or a primary again with null. */
  replicaOf(primary: RedisServerWithEngine | null): void;
  /** Changes TLS (on, off, required or preferred) for connections accepted from now on. */
  setTls(options: ListenerTls | undefined): void;
  /** Fault injection (the emulator's fault API): latency, freezing and resets of this server's connections. */
  readonly network: NetworkFaults;
  /** Resets every client connection (TCP RST); answers how many. */
  resetConnections(): number;
  /**
   * Fault injection: this replica's link to its primary cut (delayMs null) or delayed by delayMs, or
   * (null) restored, the replica then getting what it missed.
   */
  faultReplication(fault: { delayMs: number | null } | null): void;
  /** Fault injection: used memory raised to `bytes` by a ballast that is no key, or released with 0. */
  fillMemory(bytes: number): Promise<void>;
  /** Live figures for a dashboard (ops/s, memory, keys, clients, hits). */
  stats(): ServerStats;
  /** Runs one command as an internal client; resolves with the raw RESP2 reply. */
  command(args: string[]): Promise<Buffer>;
}

/** Connections a unix socket listener accepted, by the socket's path (CLIENT LIST shows it as addr and laddr). */
const unixPaths = new WeakMap<net.Socket, string>();

/** Marks a connection accepted on the unix socket at `path` (standalone.ts's unixsocket listener). */
export function acceptedOnUnixSocket(s: net.Socket, path: string): void {
  unixPaths.set(s, path);
}

function socketConn(s: net.Socket): Conn {
  const unix = unixPaths.get(s);
  const remote = unix !== undefined ? `${unix}:0` : `${s.remoteAddress ?? '?'}:${s.remotePort ?? 0}`;
  const local = unix !== undefined ? `${unix}:0` : `${s.localAddress ?? '?'}:${s.localPort ?? 0}`;
  return {
    write: (b) => {
      if (!s.destroyed) s.write(b);
    },
    // Closed outright once the last reply is out, as Redis close()s: a peer still writing then gets a reset, not a half-open socket.
    end: () => s.end(() => s.destroy()),
    destroy: () => s.destroy(),
    pauseReading: () => s.pause(),
    resumeReading: () => s.resume(),
    get writableLength() {
      return s.writableLength;
    },
    remote,
    local,
    unix: unix !== undefined,
  };
}

export function createRedisServer(options: RedisServerOptions, internals: RedisServerInternals = {}): RedisServerWithEngine {
  const host = options.host ?? '127.0.0.1';
  const engine = new Engine({
    clock: internals.clock ?? systemClock,
    mode: options.mode ?? 'bare',
    // A bare engine is judged against redis-server 7.0.15; nodes report the engine version they were created with.
    version: options.version ?? ((options.mode ?? 'bare') === 'node' ? '7.1.0' : '7.0.15'),
    serverName: options.serverName,
    maxmemory: options.maxmemory,
    // A bare engine starts as redis-server does; ElastiCache nodes with ElastiCache's default policy.
    maxmemoryPolicy: options.maxmemoryPolicy ?? ((options.mode ?? 'bare') === 'node' ? 'volatile-lru' : 'noeviction'),
    requirepass: options.requirepass,
  });
  engine.config.bind = host;
  const sockets = new Set<net.Socket>();
  const network = new NetworkFaults();
  let boundPort = 0;

  const onConnection = (socket: net.Socket): void => {
    if (!network.admit(socket)) return;
    sockets.add(socket);
    socket.setNoDelay(true);
    const client = engine.addClient(socketConn(socket));
    socket.on('close', () => {
      sockets.delete(socket);
      if (client) engine.connectionClosed(client);
    });
    // Errors (ECONNRESET and the like) end the connection; 'close' does the cleanup.
    socket.on('error', () => undefined);
    if (client === null) return;
    // Replies drained: a client paused for unread output may read again, and holds less memory.
    socket.on('drain', () => {
      engine.clientMemory.mark(client);
      engine.applyBackpressure(client);
    });
    const feed = (chunk: Buffer): void => {
      try {
        engine.onData(client, chunk);
      } catch {
        // A bug in one command must not take the node down; drop just this client.
        engine.closeClient(client, true);
      }
    };
    // A direct read lends a buffer that the next read overwrites: a request a fault holds back keeps a copy.
    const direct = readDirectly(socket, (chunk) => {
      if (network.immediate(socket)) feed(chunk);
      else {
        const copy = Buffer.from(chunk);
        network.deliver(socket, () => feed(copy));
      }
    });
    if (!direct) socket.on('data', (chunk: Buffer) => network.deliver(socket, () => feed(chunk)));
  };

  let tls = options.tls;
  let listener = createSecurableServer(tls, onConnection);
  let server = listener.server;
  // CONFIG SET port/bind of a bare engine: the new listener is up before the old one closes; connections stay.
  if (engine.mode === 'bare') {
    allowRelisten(engine, (port, addr) => {
      const next = createSecurableServer(tls, onConnection);
      return new Promise<void>((resolve, reject) => {
        next.server.once('error', reject);
        next.server.listen(port, addr, () => {
          next.server.off('error', reject);
          next.server.on('error', () => undefined);
          const old = server;
          [listener, server] = [next, next.server];
          old.close();
          unregisterEngine(boundPort, engine);
          const a = server.address();
          boundPort = typeof a === 'object' && a !== null ? a.port : port;
          engine.config.port = boundPort;
          engine.config.bind = addr;
          engine.address = `${addr}:${boundPort}`;
          registerEngine(boundPort, engine);
          resolve();
        });
      });
    });
  }

  return {
    engine,
    replicaOf: (primary) => engine.replicaOf(primary === null ? null : primary.engine),
    setTls: (options) => {
      tls = options;
      listener.setTls(options);
    },
    network,
    resetConnections: () => network.resetAll(sockets),
    stats: () => serverStats(engine),
    command: (args) => runCommand(engine, args),
    faultReplication: (fault) => engine.replication.primary?.replication.setLinkFault(engine, fault),
    fillMemory: async (bytes) => fillMemory(engine, bytes),
    get port() {
      return boundPort;
    },
    accept: (socket) => {
      if (!server.listening) {
        socket.destroy();
        return;
      }
      server.emit('connection', socket);
    },
    listen: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, host, () => {
          server.off('error', reject);
          // Runtime listener errors (e.g. EMFILE on accept) must not crash the process hosting many nodes.
          server.on('error', () => undefined);
          const addr = server.address();
          boundPort = typeof addr === 'object' && addr !== null ? addr.port : options.port;
          engine.config.port = boundPort;
          engine.address = `${host}:${boundPort}`;
          registerEngine(boundPort, engine);
          engine.start();
          resolve(boundPort);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        unregisterEngine(boundPort, engine);
        engine.stop();
        for (const s of sockets) s.destroy();
        sockets.clear();
        listener.destroyPending();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

export interface ClusterShardSpec {
  primary: RedisServerWithEngine;
  replicas?: RedisServerWithEngine[];
  /** Inclusive hash-slot ranges this shard serves. */
  slots: [number, number][];
}

/**
 * Joins listening servers of this process into one cluster-mode group: every node learns the
 * topology (CLUSTER SLOTS/SHARDS/NODES, MOVED redirects) and each replica follows its shard's primary.
 */
export function formCluster(shards: ClusterShardSpec[]): ClusterTopology {
  const node = (s: RedisServerWithEngine): ClusterNode => {
    const [host, port] = [s.engine.address.slice(0, s.engine.address.lastIndexOf(':')), s.port];
    return { id: s.engine.runId, host, port, engine: s.engine, frozenSince: () => s.network.frozenSince };
  };
  const topology = new ClusterTopology(
    shards.map((sh) => ({ slots: sh.slots, primary: node(sh.primary), replicas: (sh.replicas ?? []).map(node) })),
  );
  for (const { engine } of topology.nodes) {
    const shard = topology.shardOf(engine);
    engine.pubsub.dropShardChannels((channel) => topology.shardForSlot(keySlot(channel)) !== shard);
  }
  for (const sh of shards) {
    sh.primary.engine.cluster = topology;
    sh.primary.replicaOf(null);
    for (const r of sh.replicas ?? []) {
      r.engine.cluster = topology;
      r.replicaOf(sh.primary);
    }
  }
  return topology;
}
