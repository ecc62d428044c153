// State shared by the protocol front-ends: the item store, settings, and per-connection session.
import type { NetworkFaults } from '../network-faults.ts';
import type { HashAlgorithm } from './key-hash.ts';
import type { ItemStore } from './store.ts';
import type { SslSettings } from './tls.ts';
import type { Output } from './output.ts';
import type { PrefixStats } from './prefix-stats.ts';
import type { WorkerThreads } from './response-budget.ts';
import type { WatchLog } from './watch.ts';

export interface ClusterConfig {
  version: number;
  nodes: { host: string; ip: string; port: number }[];
}

export interface Settings {
  version: string;
  host: string;
  port: number;
  maxConnections: number;
  maxItemSize: number;
  verbosity: number;
  saslEnabled: boolean;
  /** -Z and the ssl_* -o options, as `stats settings` reports them. */
  ssl: SslSettings;
  /** Operator knobs that `stats settings` reports and the admin commands change. */
  lruCrawler: boolean;
  lruCrawlerSleep: number;
  lruCrawlerTocrawl: number;
  slabReassign: boolean;
  slabAutomove: number;
  slabAutomoveRatio: number;
  /** Samples (one a second) the automove 1 balancer looks back over. */
  slabAutomoveWindow: number;
  hotLruPct: number;
  warmLruPct: number;
  hotMaxFactor: number;
  warmMaxFactor: number;
  lruSegmented: boolean;
  /** -o no_lru_maintainer turns it off: no background juggling, reclaiming or automove 1, and its stats lines go. */
  lruMaintainer: boolean;
  tempLru: boolean;
  temporaryTtl: number;
  dumpEnabled: boolean;
  /** -W turns it off: `watch` is refused. */
  watchEnabled: boolean;
  /** -F (disable_flush_all): flush_all is refused. */
  flushEnabled: boolean;
  /** -C (cas_disabled): items carry no CAS (always 0). */
  casEnabled: boolean;
  /** Seconds a connection may sit idle before it is closed; 0 = never. */
  idleTimeout: number;
  /** -B: the protocol connections speak (with SASL on, binary only). */
  bindingProtocol: 'auto-negotiate' | 'ascii' | 'binary';
  /** -b: the listen backlog. */
  tcpBacklog: number;
  /** -o read_buf_mem_limit in bytes (0 = none): bounds the replies a connection holds unwritten. */
  readBufMemLimit: number;
  /** -t: worker threads, which the read buffer limit is split between. */
  workerThreads: number;
  /** -A: the `shutdown` command is accepted (ElastiCache nodes refuse it). */
  shutdownCommand: boolean;
  /** `lru_crawler`, `lru` and `slabs` are served (ElastiCache's 1.6.17+ nodes do not: their parameter group sets these). */
  adminCommands: boolean;
  /** -R: requests a connection runs before yielding to others (counted in conn_yields). */
  reqsPerEvent: number;
  /** -o hash_algorithm: orders the hash-table walks clients see (metadump hash, stats detail dump). */
  hashAlgorithm: HashAlgorithm;
  /** -o watcher_logbuf_size (bytes): log queued to a watcher that does not read before lines are skipped. */
  watcherLogbufSize: number;
  /** -o worker_logbuf_size (bytes), reported by `stats settings`. */
  workerLogbufSize: number;
  /**
   * -o tail_repair_time (seconds), reported by `stats settings`: memcached frees an LRU tail item a leaked
   * reference has held this long; we hold no references across turns, so there is nothing to repair.
   */
  tailRepairTime: number;
  /** -o hashpower (0: not given, memcached's 16), reported by `stats settings` as hashpower_init. */
  hashpowerInit: number;
  /** false with -o no_hashexpand: the hash table keeps its size however many items it holds. */
  hashExpand: boolean;
  /** -U as given (0: no UDP, -1: an ephemeral port), which `stats settings` reports as udpport. */
  udpPort: number;
}

export interface ConnectionInfo {
  id: number;
  remote: string;
  local: string;
  state: string;
  lastCommandAt: number;
}

/**
 * A UDP connection object. memcached lists one waiting for a datagram (conn_read) by the address it
 * listens on, and one in the middle of a request by its sender, with the listening address after.
 */
export interface UdpConnectionInfo {
  id: number;
  local: string;
  /** The sender of the request being served; null while waiting for one. */
  remote: string | null;
  state: string;
  lastCommandAt: number;
}

export interface ServerContext {
  readonly store: ItemStore;
  readonly settings: Settings;
  readonly prefixes: PrefixStats;
  readonly watch: WatchLog;
  readonly startedAtMs: number;
  readonly clusterConfig: (() => ClusterConfig) | undefined;
  readonly sasl: { username: string; password: string } | undefined;
  /** Fault injection (the emulator's fault API): every request goes through it before it runs. */
  readonly network: NetworkFaults;
  /** The worker threads' buffer pools (read_buf_mem_limit), which connections are spread over. */
  readonly workers: WorkerThreads;
  connections(): ConnectionInfo[];
  /** The UDP port's connection objects (none without -U), listed by `stats conns` and counted as connections. */
  udpConnections(): UdpConnectionInfo[];
  /** An accepted `shutdown` command. */
  shutdown(graceful: boolean): void;
  /** `refresh_certs`: reloads the certificate files for new connections; null when that worked, else memcached's error line. */
  refreshCerts(): string | null;
  /** Unix second of the last `refresh_certs` that worked; null while the start-up load is the last. */
  readonly lastCertRefresh: number | null;
  nowMs(): number;
}

export type CloseReason = 'error' | 'normal' | 'idle_timeout' | 'shutdown';

export interface Session {
  readonly ctx: ServerContext;
  readonly out: Output;
  /** Set by quit: flush what is queued, then close. */
  closing: boolean;
  /** Why the connection ends, for the connevents log (memcached's close_reason); unset means an error. */
  closeReason: CloseReason | undefined;
  authenticated: boolean;
  lastCommandAt: number;
  /** Takes a response object for one more reply (memcached's resp_start); false when the read buffer limit leaves none. */
  takeResponse(): boolean;
  /** Gives back every response object whose reply was not written (memcached's conn_release_items). */
  releaseResponses(): void;
  /** Turns this connection into a log stream (`watch`): it reads no more commands. */
  startWatching(flags: ReadonlySet<string>): void;
  /**
   * A long reply (metadump) produced in slices: each yielded text is written, other work runs between
   * slices, and the connection reads no further command until the last one.
   */
  streamReply(parts: Iterator<string>): void;
  /**
   * Runs `step` in a later turn of the event loop, before any further command of this connection: a
   * command too long for one turn (a get of thousands of keys) goes on there. Absent, the command runs whole.
   */
  continueLater?(step: () => void): void;
  /**
   * Replies may be written before their command ends, with none of them lost: without read_buf_mem_limit no
   * later key of a get runs out of response objects (which would discard them in memcached).
   */
  readonly writesEarly?: boolean;
}
