// Listener, connection limit and lifecycle for one memcached-compatible node.
import net from 'node:net';
import { NetworkFaults } from '../network-faults.ts';
import { createSecurableServer, type ListenerTls } from '../tls-listener.ts';
import { TLSSocket, type SecureContext } from 'node:tls';
import { systemClock, type Clock } from './clock.ts';
import { Connection } from './connection.ts';
import type { ClusterConfig, ServerContext, Settings } from './context.ts';
import { DEFAULT_HASHPOWER, DEFAULT_ITEM_SIZE_MAX, DEFAULT_MAX_CONNECTIONS, DEFAULT_MEMORY_LIMIT, WATCHER_BUFFER, WORKER_LOG_BUFFER } from './limits.ts';
import { PrefixStats } from './prefix-stats.ts';
import { WorkerThreads } from './response-budget.ts';
import { UdpListener } from './udp.ts';
import { DEFAULT_GEOMETRY, type SlabGeometry } from './item.ts';
import { ItemStore } from './store.ts';
import { WatchLog } from './watch.ts';
import {
  CertificateError,
  defaultSslSettings,
  loadServerCertificates,
  SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
  SSL_VERIFY_PEER,
  type SslSettings,
  type TlsMaterial,
} from './tls.ts';

/** One listening socket of -l: memcached binds every interface of the list, each TLS unless it says notls:. */
export interface ListenInterface {
  host: string;
  /** Unset: the server's port (-p). */
  port?: number;
  notls?: boolean;
}

export interface MemcachedServerOptions {
  host?: string;
  port: number;
  /** Certificate and key as PEM (nodes with in-transit encryption): TLS on, without the files -Z reads. */
  tls?: TlsMaterial;
  /**
   * memcached -Z and the ssl_* -o options. With `enabled` the chain and key are read from their files at
   * start (a CertificateError with memcached's message when they do not load) and again by refresh_certs.
   */
  ssl?: Partial<SslSettings>;
  /** memcached -l with several interfaces (the first one's address is `host`); unset: one listener at host:port. */
  interfaces?: ListenInterface[];
  memoryLimit?: number;
  maxItemSize?: number;
  maxConnections?: number;
  sasl?: { username: string; password: string };
  clusterConfig?: () => ClusterConfig;
  version?: string;
  /** Milliseconds since the epoch; tests inject one to move time without sleeping. */
  clock?: Clock;
  /** memcached -M: refuse stores with SERVER_ERROR out of memory instead of evicting. */
  errorOnMemoryExhausted?: boolean;
  /** -F: refuse flush_all (ElastiCache's disable_flush_all). */
  disableFlushAll?: boolean;
  /** -C: no CAS values (ElastiCache's cas_disabled). */
  casDisabled?: boolean;
  /** -o slab_reassign / no_slab_reassign (default on). */
  slabReassign?: boolean;
  /** -o lru_crawler / no_lru_crawler (default on). */
  lruCrawler?: boolean;
  /** -o lru_maintainer / no_lru_maintainer (default on; off also means a flat LRU, as in memcached). */
  lruMaintainer?: boolean;
  /** -o slab_automove_window: samples the automove 1 balancer weighs (default 30). */
  slabAutomoveWindow?: number;
  /** -o track_sizes: the `stats sizes` histogram runs from start-up. */
  trackSizes?: boolean;
  /** -o idle_timeout: seconds before an idle connection is closed; 0 = never. */
  idleTimeout?: number;
  /** -n, -f and -o slab_chunk_max: the slab classes' chunk sizes. */
  geometry?: Partial<SlabGeometry>;
  /** memcached's T_MEMD_INITIAL_MALLOC test hook: bytes counted as already malloced at start (total_malloced starts there). */
  initialMalloced?: number;
  /** Called for an accepted `shutdown` (settings.shutdownCommand, memcached -A); without it the server closes itself. */
  onShutdown?: (graceful: boolean) => void;
  /**
   * memcached -U: also serve UDP on this port (-1: an ephemeral one; unset or 0: no UDP, memcached's
   * default). Bare servers only: nodes created through the API never open UDP, as on ElastiCache.
   */
  udpPort?: number;
  /** Start-up knobs without a named option above (-o no_modern, temporary_ttl, hot_lru_pct, -v ...). */
  settings?: Partial<Settings>;
}

export interface MemcachedServer {
  readonly port: number;
  /** The UDP port bound, null without one. */
  readonly udpPort: number | null;
  /** Fault injection: latency, freezing and refusals of this server's connections. */
  readonly network: NetworkFaults;
  /** Resets every client connection (TCP RST); answers how many. */
  resetConnections(): number;
  /** Counts memory up to `bytes` in all as taken (0 releases it): no new slab pages past that, so evictions come sooner. */
  fillMemory(bytes: number): void;
  /** TCP, then UDP when asked for (memcached's order); resolves with the TCP port. */
  listen(): Promise<number>;
  /** Just the UDP port (memcached -p 0 -U n); null when none was asked for. */
  listenUdp(): Promise<number | null>;
  close(): Promise<void>;
}

export const DEFAULT_VERSION = '1.6.22';
const TOO_MANY_CONNECTIONS = 'ERROR Too many open connections\r\n';

export function createMemcachedServer(options: MemcachedServerOptions): MemcachedServer {
  const clock = options.clock ?? systemClock;
  const settings: Settings = {
    version: options.version ?? DEFAULT_VERSION,
    host: options.host ?? '127.0.0.1',
    port: options.port,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxItemSize: options.maxItemSize ?? DEFAULT_ITEM_SIZE_MAX,
    verbosity: 0,
    saslEnabled: options.sasl !== undefined,
    ssl: { ...defaultSslSettings(), ...options.ssl, ...(options.tls !== undefined ? { enabled: true } : {}) },
    lruCrawler: options.lruCrawler ?? true,
    lruCrawlerSleep: 100,
    lruCrawlerTocrawl: 0,
    slabReassign: options.slabReassign ?? true,
    slabAutomove: 1,
    slabAutomoveRatio: 0.8,
    slabAutomoveWindow: options.slabAutomoveWindow ?? 30,
    hotLruPct: 20,
    warmLruPct: 40,
    hotMaxFactor: 0.2,
    warmMaxFactor: 2,
    lruSegmented: options.lruMaintainer !== false,
    lruMaintainer: options.lruMaintainer !== false,
    tempLru: false,
    temporaryTtl: 61,
    dumpEnabled: true,
    flushEnabled: options.disableFlushAll !== true,
    casEnabled: options.casDisabled !== true,
    idleTimeout: options.idleTimeout ?? 0,
    bindingProtocol: options.sasl !== undefined ? 'binary' : 'auto-negotiate',
    tcpBacklog: 1024,
    reqsPerEvent: 20,
    hashAlgorithm: 'murmur3',
    watcherLogbufSize: WATCHER_BUFFER,
    workerLogbufSize: WORKER_LOG_BUFFER,
    tailRepairTime: 0,
    hashpowerInit: 0,
    hashExpand: true,
    watchEnabled: true,
    shutdownCommand: false,
    adminCommands: true,
    readBufMemLimit: 0,
    workerThreads: 4,
    udpPort: options.udpPort ?? 0,
    ...options.settings,
  };
  const watch = new WatchLog(clock);
  const store = new ItemStore({
    log: watch,
    geometry: { ...DEFAULT_GEOMETRY, ...options.geometry },
    memoryLimit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    maxItemSize: settings.maxItemSize,
    clock,
    errorOnMemoryExhausted: options.errorOnMemoryExhausted,
    casDisabled: options.casDisabled,
    lru: settings,
    automove: settings,
    crawler: settings,
    maintainer: settings.lruMaintainer,
    hashPower: settings.hashpowerInit || DEFAULT_HASHPOWER,
    hashExpand: settings.hashExpand,
  });
  store.slabs.malloced = options.initialMalloced ?? 0;
  // -o track_sizes: `stats sizes` counts from the start, without sizes_enable.
  if (options.trackSizes === true) store.enableSizes();
  const connections = new Set<Connection>();
  const network = new NetworkFaults();
  const ctx: ServerContext = {
    store,
    settings,
    prefixes: new PrefixStats(settings.hashAlgorithm),
    workers: new WorkerThreads(settings),
    watch,
    startedAtMs: clock(),
    clusterConfig: options.clusterConfig,
    sasl: options.sasl,
    network,
    connections: () => [...connections].map((c) => c.info()),
    // Numbered after the TCP listener's 0, as memcached opens UDP sockets right after its listeners.
    udpConnections: () => udp?.connections(1) ?? [],
    nowMs: clock,
    get lastCertRefresh() {
      return lastCertRefresh;
    },
    refreshCerts: () => {
      if (!settings.ssl.enabled) return 'Error TLS not enabled\r\n';
      try {
        secureContext = loadServerCertificates(settings.ssl, options.tls);
      } catch (err) {
        if (err instanceof CertificateError) return err.message + err.lineEnd;
        throw err;
      }
      lastCertRefresh = Math.floor(clock() / 1000);
      // Connections already open keep the certificate they were handed.
      for (const l of listeners) if (l.tls) l.securable.setTls(listenerTls());
      return null;
    },
    // After this turn, so the closing connection's reply and close go out first.
    shutdown: (graceful) => setImmediate(() => (options.onShutdown ? options.onShutdown(graceful) : void server.close())),
  };
  let nextId = 16;
  let udp: UdpListener | null = null;

  // Every accepted socket, rejected ones included, so close() can destroy them all.
  const sockets = new Set<net.Socket>();
  /** Past the connection limit: memcached writes its refusal in plain text as it accepts, before any TLS. */
  const refused = (socket: net.Socket): boolean => {
    if (connections.size < settings.maxConnections) return false;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    store.counters.rejected_connections++;
    socket.on('error', () => socket.destroy());
    socket.end(TOO_MANY_CONNECTIONS);
    return true;
  };
  const onSocket = (socket: net.Socket): void => {
    if (!network.admit(socket)) return;
    if (refused(socket)) return;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    store.counters.total_connections++;
    const conn = new Connection(ctx, socket, nextId++);
    watch.connectionOpened(socket.remoteAddress ?? '', socket.remotePort ?? 0, conn.id);
    connections.add(conn);
    socket.on('close', () => connections.delete(conn));
  };

  // Loaded once here and at each refresh_certs: a handshake never parses a key. Throws CertificateError.
  let secureContext: SecureContext | undefined = settings.ssl.enabled ? loadServerCertificates(settings.ssl, options.tls) : undefined;
  let lastCertRefresh: number | null = null;
  const verify = settings.ssl.verifyMode;
  const listenerTls = (): ListenerTls => ({
    context: secureContext,
    // ElastiCache's Memcached nodes with transit encryption answer TLS only: there is no preferred mode.
    mode: 'required',
    clientCert: verify & SSL_VERIFY_FAIL_IF_NO_PEER_CERT ? 'require' : verify & SSL_VERIFY_PEER ? 'request' : undefined,
    onHandshakeError: () => store.counters.ssl_handshake_errors++,
    // memcached closes a failed handshake's socket with the client's bytes unread: the client sees a reset.
    resetOnHandshakeError: true,
    onSecure: (socket) => {
      // memcached counts OpenSSL's new-session callbacks, one per TLS 1.3 ticket sent: OpenSSL sends two
      // after a full handshake (memcached one more after a resumption; Node renews no ticket, so we send
      // and count none). TLS 1.2 resumes by ticket and caches no session, so counts nothing.
      if (settings.ssl.sessionCache && socket.getProtocol() === 'TLSv1.3' && !socket.isSessionReused()) {
        store.counters.ssl_new_sessions += 2;
      }
    },
  });
  const interfaces = options.interfaces ?? [{ host: settings.host }];
  const listeners = interfaces.map((spec) => {
    const secured = settings.ssl.enabled && spec.notls !== true;
    return { spec, tls: secured, securable: createSecurableServer(secured ? listenerTls() : undefined, onSocket, (raw) => !refused(raw)) };
  });

  // memcached's idle_timeout: connections silent for longer are closed (checked about once a second).
  const idleSweep =
    settings.idleTimeout > 0
      ? setInterval(() => {
          const now = clock();
          for (const c of connections) {
            if (now - c.lastCommandAt <= settings.idleTimeout * 1000) continue;
            store.counters.idle_kicks++;
            c.closeReason = 'idle_timeout';
            // memcached ends a TLS connection with SSL_shutdown (close_notify) before closing it.
            if (c.socket instanceof TLSSocket) {
              c.socket.end();
              c.socket.destroySoon();
            } else {
              c.socket.destroy();
            }
          }
        }, 1000)
      : undefined;
  idleSweep?.unref();

  let boundPort = options.port;
  const server: MemcachedServer = {
    get port() {
      return boundPort;
    },
    get udpPort() {
      return udp?.port ?? null;
    },
    network,
    resetConnections: () => network.resetAll(sockets),
    fillMemory: (bytes) => {
      store.slabs.ballast = 0;
      store.slabs.ballast = Math.max(0, bytes - store.slabs.malloced);
    },
    listen() {
      const bind = (l: (typeof listeners)[number]) =>
        new Promise<number>((resolve, reject) => {
          const listener = l.securable.server;
          const onError = (err: Error) => reject(err);
          listener.once('error', onError);
          listener.listen(l.spec.port ?? options.port, l.spec.host, settings.tcpBacklog, () => {
            listener.off('error', onError);
            const address = listener.address();
            // memcached counts each listening connection among total_connections.
            store.counters.total_connections++;
            resolve(typeof address === 'object' && address !== null ? address.port : options.port);
          });
        });
      return (async () => {
        const ports: number[] = [];
        for (const l of listeners) ports.push(await bind(l));
        boundPort = ports[0]!;
        // With one listener an ephemeral port is what `stats settings` reports; with several, -p as given.
        if (options.interfaces === undefined) settings.port = boundPort;
        await server.listenUdp();
        return boundPort;
      })();
    },
    async listenUdp() {
      if (settings.udpPort === 0 || udp !== null) return udp?.port ?? null;
      if (options.sasl !== undefined) throw new Error('ERROR: Cannot enable UDP while using binary SASL authentication.');
      const endpoint = new UdpListener(ctx, settings.host);
      try {
        await endpoint.listen(settings.udpPort < 0 ? 0 : settings.udpPort);
      } catch (err) {
        await endpoint.close();
        throw err;
      }
      udp = endpoint;
      store.counters.total_connections++;
      return endpoint.port;
    },
    close() {
      const udpClosed = udp?.close();
      udp = null;
      const tcpClosed = new Promise<void>((resolve) => {
        clearInterval(idleSweep);
        store.stop();
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        connections.clear();
        let open = 0;
        const closed = () => {
          if (--open === 0) resolve();
        };
        for (const l of listeners) {
          l.securable.destroyPending();
          if (!l.securable.server.listening) continue;
          open++;
          l.securable.server.close(closed);
        }
        if (open === 0) resolve();
      });
      return Promise.all([tcpClosed, udpClosed]).then(() => undefined);
    },
  };
  return server;
}
