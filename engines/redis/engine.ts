// The server's state and event loop glue, independent of sockets: clients feed bytes in and get
// replies flushed out through their Conn.
import { expireOwnKeys } from './replica-expires.ts';
import { Acl } from './acl/acl.ts';
import { Client, type BlockState, type Conn } from './client.ts';
import { wallMicros, type Clock } from './clock.ts';
import { CommandTable, type CommandDef } from './command-table.ts';
import { withoutValkeyOnly } from './valkey-only.ts';
import { appendonlyChanged, saveCron } from './background-save.ts';
import { DEFAULT_PEAK_RESET_MS, resizeReplyBuffer, type ReplyBufferSettings } from './reply-buffer.ts';
import { allGroups } from './commands/index.ts';
import { evictClients } from './client-eviction.ts';
import { ClientMemoryTally } from './client-memory-tally.ts';
import { Config } from './config.ts';
import { freeMemory } from './db/eviction.ts';
import { dropSyncClient, type ReplFeed } from './repl-feed.ts';
import { backlogOf, trimBacklog } from './repl-backlog.ts';
import { activeExpireCycle } from './db/expiry.ts';
import { Keyspace } from './db/keyspace.ts';
import { LatencyMonitor } from './latency.ts';
import { execute, refusedDespitePause, settleUntimed } from './dispatch.ts';
import { UntimedCommands } from './untimed.ts';
import { notify, parseNotifyFlags, type NotifyFlags, type NotifyTap } from './notify.ts';
import { errnoAccepted } from './num.ts';
import { overOutputLimit, softLimitsInCron } from './output-limit.ts';
import { applyOomScore } from './oom-score.ts';
import { heldByWritePause, mayWriteScript } from './pause-writes.ts';
import { redactSecrets } from './redact.ts';
import { PubSub } from './pubsub.ts';
import { ProtocolError } from './resp/parser.ts';
import type { ClusterTopology } from './cluster.ts';
import { Replication } from './replication.ts';
import { sleepAfterExec } from './commands/debug-sleep.ts';
import { Scripting } from './scripting/scripting.ts';
import { Tracking } from './tracking.ts';

/** How many bytes of an error reply redis-server searches for the space that ends its code. */
const ERROR_CODE_SCAN = 32;

/**
 * Commands an ElastiCache node refuses, answering as if they did not exist. FAILOVER too: a node's
 * role changes through the API's failover, and the command here only knows a bare engine's state.
 */
const NODE_DISABLED = new Set(['failover', 'config', 'save', 'bgsave', 'debug', 'shutdown', 'replicaof', 'slaveof', 'sync', 'psync', 'replconf', 'bgrewriteaof', 'migrate']);

/** Backpressure thresholds (see applyBackpressure). */
const MAX_QUEUED_COMMANDS = 10_000;
const MAX_UNREAD_OUTPUT = 64 * 1024 * 1024;
/**
 * Time one client's pipeline may take in one turn of the loop (ms, wall clock: the process's CPU clock costs
 * a system call to read) before the rest of it waits for the next turn: every node and the API share this loop, and one read can hold thousands of commands (a 64 KB read
 * of HSETs into a big hash with replicas ran 3.5-6 ms whole). redis-server interleaves its clients at each
 * 16 KB read anyway, so another client's command between two parts is nothing a client could not see there.
 */
const TURN_BUDGET_MS = 1;
/** The clock is read once per this many commands: a read per command cost ~5% at -P 16. */
const BUDGET_CHECK_EVERY = 16;

/** Memory Redis reports with an empty dataset; counted so used_memory looks familiar. */
export const BASELINE_MEMORY = 856 * 1024;

export interface CommandStat {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
  /** Calls per latency bucket: index k counts calls that took at most 2^k microseconds. */
  histogram: number[];
}

export interface SlowlogEntry {
  id: number;
  time: number;
  usec: number;
  args: string[];
  addr: string;
  name: string;
}

/** The replica's link to a primary in another process, as its INFO and REPLICAOF see it. */
export interface RemotePrimary {
  /** The replica let go of it (REPLICAOF elsewhere or NO ONE, a stop): the link closes. */
  letGo(): void;
  /** When the primary last sent anything (Date.now()). */
  lastIo(): number;
  /** Whether a full sync is being received or loaded (INFO's master_sync_in_progress). */
  syncing(): boolean;
}

export interface EngineOptions {
  clock: Clock;
  mode: 'bare' | 'node';
  version: string;
  /** 'valkey' makes INFO and HELLO answer as Valkey does (valkey_version beside a Redis-compatible redis_version). */
  serverName?: 'redis' | 'valkey';
  maxmemory?: number;
  maxmemoryPolicy?: string;
  requirepass?: string;
}

const UNAUTH_MAX_OUTPUT = 16 * 1024;
export class Engine {
  readonly config = new Config();
  readonly clock: Clock;
  readonly ks: Keyspace;
  readonly table = new CommandTable(allGroups());
  readonly acl: Acl = new Acl(this);
  readonly mode: 'bare' | 'node';
  readonly version: string;
  readonly serverName: 'redis' | 'valkey';
  readonly clients = new Map<number, Client>();
  /** Clients' buffers, counted in used_memory and by eviction as redis-server counts them. */
  readonly clientMemory = new ClientMemoryTally(this);
  readonly pubsub: PubSub;
  readonly monitors = new Set<Client>();
  readonly tracking: Tracking;
  readonly replication: Replication;
  /** Lua scripts and functions; while a script runs, other clients' commands wait (see admit). */
  readonly scripting: Scripting = new Scripting(this);
  /** Set when this engine is a node of a cluster-mode group. */
  cluster: ClusterTopology | null = null;
  /** host:port this engine listens on, for INFO/ROLE of its replicas. */
  address = '127.0.0.1:0';
  /** On a stand-in for a primary in another process (network-replica.ts): the link to it. */
  remote: RemotePrimary | null = null;
  /** The client whose command is running (NOLOOP needs to know who changed a key). */
  currentClient: Client | null = null;
  /** The replication stream of SYNC clients (repl-feed.ts); null while none is attached. */
  feed: ReplFeed | null = null;
  readonly startedAt: number;
  readonly runId = randomHex(40);
  private nextClientId = 1;
  totalConnections = 0;
  rejectedConnections = 0;
  /** INFO sync_full and sync_partial_err: SYNC/PSYNC requests served with a full sync, and PSYNCs that asked to continue in vain. */
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErrors = 0;
  /** INFO evicted_clients: connections closed by maxmemory-clients. */
  evictedClients = 0;
  totalCommands = 0;
  netInput = 0;
  netOutput = 0;
  private cmdStatsById: (CommandStat | undefined)[] = [];
  private readonly statNames: string[] = [];
  readonly errStats = new Map<string, number>();
  totalErrors = 0;
  /** Inside EXEC, blocked clients are served only once the whole transaction ran. */
  execDepth = 0;
  /** Milliseconds a DEBUG SLEEP inside EXEC stands for (the node pauses instead of stalling), added to its measured time. */
  sleptInExec = 0;
  /** While an EXEC runs, a number no other EXEC in the process has (StrObj.held); 0 otherwise. */
  execArguments = 0;
  slowlog: SlowlogEntry[] = [];
  readonly latency = new LatencyMonitor();
  private slowlogNextId = 0;
  /**
   * CLIENT PAUSE: until when, and whether only writes are held. `command` marks the hold of a command
   * running in slices (sliced.ts): the node's other clients wait, but its own lookups expire keys as
   * any command's do. `clientPause`: a CLIENT PAUSE's own, the one hold redis-server also has (the
   * others stand for a server busy running something).
   */
  pause: { until: number; writesOnly: boolean; command?: boolean; clientPause?: boolean } | null = null;
  /**
   * Snapshots the API takes of this node (or of a replica sharing its values) running: a script that may
   * write waits to begin until they end (snapshot-fence.ts), as a write in slices does, since its steps
   * would let the dump run between them.
   */
  scriptHold = 0;
  private readonly waiters = new Map<string, Client[]>();
  /** Clients with replies to flush this turn (each once: Client.flushQueued); an array, as a Set's clear() allocates a new table every turn. */
  private readonly dirty: Client[] = [];
  private flushScheduled = false;
  private cron: NodeJS.Timeout | null = null;
  lastSave: number;
  /** Keys emptied by the running command, announced after its own notification. */
  emptied: [number, string][] = [];
  private notifyText = '';
  private notifyParsed: NotifyFlags | null = null;
  /** Set while this engine has replicas: they announce its writes' events (replica-events.ts). */
  notifyTap: NotifyTap | null = null;

  constructor(opts: EngineOptions) {
    this.clock = opts.clock;
    this.mode = opts.mode;
    this.version = opts.version;
    this.serverName = opts.serverName ?? 'redis';
    if (this.serverName !== 'valkey') withoutValkeyOnly(this.table);
    this.ks = new Keyspace(this.clock);
    if (opts.maxmemory) this.config.maxmemory = opts.maxmemory;
    if (opts.maxmemoryPolicy) this.config.set('maxmemory-policy', opts.maxmemoryPolicy);
    if (opts.requirepass) this.config.requirepass = opts.requirepass;
    this.ks.setPolicy(this.config.maxmemoryPolicy, this.config.maxmemory);
    this.pubsub = new PubSub((c) => this.deliverOutOfBand(c));
    this.tracking = new Tracking(this);
    this.replication = new Replication(this);
    // A replica reads a key past its TTL as missing but keeps it until the primary's deletion arrives (7.0's
    // expireIfNeeded on a replica), so its DBSIZE, INFO keyspace and expired events follow the primary's.
    this.ks.expiryPaused = (onAccess) => (onAccess === true && this.replication.primary !== null) || this.expiryPaused(onAccess);
    if (this.mode === 'bare') {
      this.config.afterSet = (keys) => {
        applyOomScore(this.config, keys, this.replication.primary !== null);
        if (keys.includes('appendonly')) appendonlyChanged(this);
        const backlog = backlogOf(this);
        if (backlog !== undefined && keys.includes('repl-backlog-size')) trimBacklog(this, backlog);
      };
    }
    this.startedAt = this.lastSave = this.clock.now();
    this.ks.onExpired = (db, key) => {
      notify(this, 'x', 'expired', db, key);
      if (this.feed !== null) this.feed.deleted(db, key, 'lazyfree-lazy-expire');
    };
    this.ks.onEmptied = (db, key) => {
      if (this.notifying) this.emptied.push([db, key]);
    };
  }

  /** Whether writes must work out their keyspace events: this engine's own flags, or replicas that announce them. */
  get notifying(): boolean {
    return this.notifyFlags !== null || (this.notifyTap !== null && this.notifyTap.wanted());
  }

  /** The tap came or went: the new-key hook is set again at the next read of the flags. */
  retap(tap: NotifyTap | null): void {
    this.notifyTap = tap;
    this.notifyText = '\0';
    void this.notifyFlags;
  }

  /** Parsed notify-keyspace-events, or null when notifications are off (the common, cheap case). */
  get notifyFlags(): NotifyFlags | null {
    const text = this.config.notifyKeyspaceEvents;
    if (text !== this.notifyText) {
      this.notifyText = text;
      const f = parseNotifyFlags(text);
      this.notifyParsed = f !== null && (f.keyspace || f.keyevent) && f.classes.size > 0 ? f : null;
      const on = this.notifyParsed;
      // A replica announces a new key when its primary's event arrives, not when the copy lands.
      this.ks.onNewKey =
        (on !== null && on.classes.has('n')) || this.notifyTap !== null
          ? (db, key) => {
              if (this.replication.primary === null) notify(this, 'n', 'new', db, key);
            }
          : null;
      this.ks.onKeyMiss = on !== null && on.classes.has('m') ? (db, key) => notify(this, 'm', 'keymiss', db, key) : null;
    }
    return this.notifyParsed;
  }

  start(): void {
    this.stoppedAt = 0;
    this.scheduleCron();
  }

  /** When the node stopped (engine clock; a crashed node's peers mark it failing from then), 0 while it runs. */
  stoppedAt = 0;

  /** While a standalone server loads its dump at start (INFO's loading_* fields); commands not flagged `loading` get -LOADING. */
  loading: { startedAt: number; totalBytes: number; loadedBytes: number } | null = null;

  /** The config file a standalone server started from (absolute), which CONFIG REWRITE rewrites; null without one. */
  configFile: string | null = null;

  /** Set by the process a bare engine runs alone in (standalone.ts): SHUTDOWN stops it. */
  shutdown: (() => void) | null = null;
  /** A line for the server's log, as redis-server's serverLog ('*' notice, '#' warning); only a bare engine's process prints them. */
  notice: (message: string, level?: '.' | '-' | '*' | '#') => void = () => undefined;

  /** Between start and stop: background work of a stopped node ends early. */
  get running(): boolean {
    return this.cron !== null;
  }

  private scheduleCron(): void {
    this.cron = setTimeout(() => {
      try {
        this.tick();
      } catch {
        // Background work must never take the server down; the next tick retries.
      }
      this.scheduleCron();
    }, Math.max(1, Math.floor(1000 / this.config.hz)));
    this.cron.unref();
  }

  /** Periodic work: active expiry, idle timeouts, output limits, the end of CLIENT PAUSE. */
  tick(): void {
    this.ks.accessNow = this.clock.now();
    this.sampleOps();
    this.ks.setPolicy(this.config.maxmemoryPolicy, this.config.maxmemory);
    // A running script sees the keyspace as if nothing else happened meanwhile.
    const scriptRuns = this.scripting.running !== null;
    if (this.config.activeExpire && !scriptRuns && !this.expiryPaused() && this.replication.primary === null) {
      const t0 = performance.now();
      activeExpireCycle(this.ks, this.config.hz);
      this.latency.addIfNeeded('expire-cycle', performance.now() - t0, this.config.latencyMonitorThreshold, this.clock.now());
    }
    const now = this.clock.now();
    if (this.config.timeout > 0) {
      for (const c of this.clients.values()) {
        if (c.blocked === null && c.subscriptionCount === 0 && !c.isPrimary && now - c.lastInteraction > this.config.timeout * 1000) this.closeClient(c);
      }
    }
    if (!this.cronPaused) {
      this.resizeQueryBuffers();
      for (const c of this.clients.values()) resizeReplyBuffer(c, now, this.replyBuffers);
    }
    this.clientMemory.recountAll();
    softLimitsInCron(this);
    if (this.pause !== null && now >= this.pause.until) this.unpause();
    this.expireBlockedTimeouts(now);
    if (this.ks.ready.size !== 0 && !scriptRuns && !sleepAfterExec(this)) this.serveBlocked();
    if (this.feed !== null) this.feed.cron();
    if (this.mode === 'bare') saveCron(this);
    if (this.replication.primary !== null && !scriptRuns) expireOwnKeys(this);
    this.flushDirty();
  }

  /** DEBUG REPLYBUFFER's settings for the clients cron. */
  readonly replyBuffers: ReplyBufferSettings = { peakResetMs: DEFAULT_PEAK_RESET_MS, resizing: true };

  /** DEBUG PAUSE-CRON: the clients cron leaves query buffers as they are. */
  cronPaused = false;

  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE and FUNCTION RESTORE take a payload whatever its CRC64. */
  skipChecksum = false;

  /** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call commands flagged noscript (DEBUG among them), as the test suite needs. */
  disableDenyScripts = false;

  /** Redis's clientsCronResizeQueryBuffer: a buffer left big by a large argument shrinks once its recent peak is small. */
  private resizeQueryBuffers(): void {
    for (const c of this.clients.values()) {
      const p = c.parser;
      if (p.bigArgRecent) p.bigArgRecent = false;
      else if (p.bigArgRoom !== 0) p.bigArgRoom = 0;
    }
  }

  /** Ops/sec samples, like Redis's instantaneous_ops_per_sec (mean of the last 16 samples). */
  private opsSamples: number[] = [];
  private lastSample = { at: 0, commands: 0 };

  private sampleOps(): void {
    const now = performance.now();
    const last = this.lastSample;
    if (last.at !== 0 && now - last.at >= 100) {
      this.opsSamples.push(((this.totalCommands - last.commands) * 1000) / (now - last.at));
      if (this.opsSamples.length > 16) this.opsSamples.shift();
    }
    if (last.at === 0 || now - last.at >= 100) this.lastSample = { at: now, commands: this.totalCommands };
  }

  get instantaneousOps(): number {
    if (this.opsSamples.length === 0) return 0;
    return Math.round(this.opsSamples.reduce((a, b) => a + b, 0) / this.opsSamples.length);
  }

  /** Follows `primary` (full copy, then continuous updates), or becomes a primary again with null. */
  replicaOf(primary: Engine | null): void {
    const current = this.replication.primary;
    if (current === primary) return;
    if (current !== null) {
      current.replication.detach(this, primary !== null);
      current.remote?.letGo();
    }
    this.replication.primary = primary;
    if (primary !== null) primary.replication.attach(this);
  }

  stop(): void {
    if (this.cron) clearTimeout(this.cron);
    this.cron = null;
    this.stoppedAt = this.clock.now();
    this.scripting.shutdown();
    this.replicaOf(null);
    this.replication.closePorts();
    for (const r of [...this.replication.replicas]) {
      this.replication.detach(r);
      r.replication.linkLost();
    }
    for (const c of [...this.clients.values()]) this.closeClient(c, true);
  }

  lookup(name: string): CommandDef | undefined {
    const def = this.table.lookup(name);
    if (def === undefined) return undefined;
    if (this.mode === 'node' && NODE_DISABLED.has(def.name)) return undefined;
    return def;
  }

  /** Registers a new connection, or refuses it with Redis's error when maxclients is reached. */
  addClient(conn: Conn): Client | null {
    if (this.clients.size >= this.config.maxclients) {
      this.rejectedConnections++;
      conn.write(Buffer.from('-ERR max number of clients reached\r\n'));
      conn.end();
      return null;
    }
    const c = new Client(this, this.nextClientId++, conn);
    errnoAccepted(this);
    this.clients.set(c.id, c);
    this.clientMemory.recount(c, this.clock.now());
    this.totalConnections++;
    return c;
  }

  /**
   * The client a replica runs its primary's stream on (network-replica.ts): listed by CLIENT LIST (type master,
   * flag M) and killable as redis-server's master client, never timed out nor evicted, not counted as an accepted connection.
   */
  addPrimaryClient(conn: Conn): Client {
    const c = new Client(this, this.nextClientId++, conn);
    c.authenticated = true;
    c.isPrimary = true;
    this.clients.set(c.id, c);
    this.clientMemory.recount(c, this.clock.now());
    return c;
  }

  /** The connection went away (or we drop it): forget every trace of the client. */
  removeClient(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    this.clients.delete(c.id);
    this.clientMemory.forget(c);
    this.unblock(c, false);
    this.pubsub.removeAll(c);
    this.unwatchAll(c);
    this.monitors.delete(c);
    this.tracking.disable(c);
    if (this.feed !== null) dropSyncClient(this, c);
  }

  /**
   * The client's connection closed. Commands it sent that wait for a hold redis-server does not have
   * (another client's command in slices, a script, DEBUG SLEEP, a snapshot's or a replica's hold stand for
   * a server busy running something, which reads them next) still run when the hold ends, replies
   * dropped, as redis-server runs what it read before the end of the stream. Under CLIENT PAUSE they are
   * dropped with the client, as redis-server frees a postponed client that leaves.
   */
  connectionClosed(c: Client): void {
    if (this.waitsForHold(c) && !(c.postponed && this.pause?.clientPause === true)) {
      c.peerGone = true;
      c.w.take();
      return;
    }
    this.removeClient(c);
  }

  /**
   * processQueue left commands of `c` to run later: behind a hold, or behind its own command in slices
   * (redis-server runs that one whole, then what follows it), not behind a command blocked on keys.
   */
  private waitsForHold(c: Client): boolean {
    return !c.closed && !c.closing && (c.blocked === null || c.blocked.busy === true) && c.queue.length !== 0;
  }

  closeClient(c: Client, immediately = false): void {
    if (c.closed) return;
    c.flush();
    this.removeClient(c);
    if (immediately) c.conn.destroy();
    else c.conn.end();
  }

  /** Feeds bytes from the socket; runs complete commands and flushes their replies in one write. */
  onData(c: Client, chunk: Buffer): void {
    if (c.closed) return;
    this.netInput += chunk.length;
    this.clientMemory.mark(c);
    c.lastInteraction = this.ks.accessNow = this.clock.now();
    // A read is a new event loop turn: the last one's beforeSleep walked the BCAST prefix table.
    if (this.tracking.broadcasting) errnoAccepted(this);
    let perr: ProtocolError | null = null;
    try {
      const lim = c.parseLimits;
      lim.maxBulkLen = this.config.protoMaxBulkLen;
      lim.authenticated = c.authenticated;
      c.parser.feed(chunk, c.queue, lim);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      perr = err;
    }
    // A query buffer grown by this read may pass maxmemory-clients before any command of it runs.
    if (evictClients(this, c)) return;
    this.processQueue(c);
    if (this.droppedForUnauthOutput(c)) return;
    if (perr !== null) {
      c.w.error(`ERR Protocol error: ${perr.message}`);
      this.countError('ERR');
      this.closeClient(c);
      return;
    }
    if (c.parser.buffered > this.config.clientQueryBufferLimit) {
      // Redis drops such a client without a reply.
      this.closeClient(c, true);
      return;
    }
    // Like Redis's beforeSleep, replies are written after every readable socket of this loop
    // iteration was processed: the writes then go out together instead of interleaving with reads.
    this.queueFlush(c);
  }

  private isPaused(c: Client, args: string[]): boolean {
    if (this.pause === null) return false;
    if (this.clock.now() >= this.pause.until) {
      this.pause = null;
      return false;
    }
    return !this.pause.writesOnly || heldByWritePause(this, c, args);
  }

  /** redis-server 7.0 expires no key, actively or on access, while clients are paused (WRITE or ALL). */
  private expiryPaused(onAccess = false): boolean {
    return this.pause !== null && this.clock.now() < this.pause.until && !(onAccess && this.pause.command === true);
  }

  /** As redis-server's blockPostponeClient: the held command is looked up (CLIENT LIST's cmd) and the client counts as blocked. */
  private postpone(c: Client, args: string[]): void {
    c.postponed = true;
    const def = this.lookup(args[0] as string);
    if (def !== undefined) c.lastCommand = def.fullName;
  }

  /** End time of the last command (see dispatch.call). */
  cmdClock = 0;
  /** Set by processQueue for the command it runs when more of the pipeline follows: call() may then leave it untimed. */
  shareClock = false;
  /** Commands run since cmdClock, waiting for the next reading to be timed (settleUntimed). */
  readonly untimed = new UntimedCommands();

  processQueue(c: Client): void {
    const q = c.queue;
    const now = performance.now();
    // Served from inside another client's command (an unblock): that one's pipeline is timed up to here.
    if (this.untimed.count !== 0) settleUntimed(this, now, 0);
    this.cmdClock = now;
    const limited = this.config.normalHardLimit > 0 || this.config.normalSoftLimit > 0;
    let i = 0;
    while (i < q.length) {
      if (c.blocked !== null || c.closing || c.closed) break;
      const args = q[i] as string[];
      if (this.pause !== null && this.isPaused(c, args)) {
        // A paused command still meets processCommand's refusals first (NOREPLICAS, OOM, NOAUTH...), which answer it now.
        c.running = args;
        const refused = refusedDespitePause(this, c, args);
        c.running = null;
        if (!refused) {
          this.postpone(c, args);
          break;
        }
        c.postponed = false;
        i++;
        continue;
      }
      if (this.scripting.running !== null && this.scripting.holds(c)) break;
      if (this.scriptHold !== 0 && c.multi === null && mayWriteScript(this, args)) break;
      c.postponed = false;
      i++;
      c.running = args;
      const from = limited ? c.w.mark : 0;
      this.shareClock = i < q.length;
      this.clientMemory.noteOutput(c);
      execute(this, c, args);
      this.shareClock = false;
      c.running = null;
      // client-output-buffer-limit (normal class): redis-server drops the client as the reply that
      // passes the limit is added, before any of it is written.
      if (limited && !c.closed && !c.inPubSubContext && overOutputLimit(c, c.w.mark - from)) {
        // Replies not yet handed to the socket go with the client, as redis-server frees its reply list.
        c.w.take();
        this.closeClient(c, true);
        break;
      }
      if (i % BUDGET_CHECK_EVERY === 0 && i < q.length && performance.now() - now >= TURN_BUDGET_MS) {
        this.continueLater(c);
        break;
      }
    }
    if (this.untimed.count !== 0) settleUntimed(this, performance.now(), 0);
    this.clientMemory.noteOutput(c);
    if (i > 0) c.queue = i >= q.length ? [] : q.slice(i);
    if (c.peerGone) {
      c.w.take();
      // Done, blocked (redis-server frees a blocked client that left) or now behind a CLIENT PAUSE.
      if (!this.waitsForHold(c) || (c.postponed && this.pause?.clientPause === true)) this.removeClient(c);
      return;
    }
    if (c.closing && !c.closed) this.closeClient(c);
    this.applyBackpressure(c);
  }

  /**
   * Stops reading from a client whose parsed-but-unrun commands (blocked, paused) or unread replies
   * pile up, so one client cannot grow the process without bound; reading resumes once it drains.
   */
  applyBackpressure(c: Client): void {
    if (c.closed) return;
    const backlog = c.continuesLater || c.queue.length > MAX_QUEUED_COMMANDS || c.conn.writableLength > MAX_UNREAD_OUTPUT;
    if (backlog && !c.readingPaused) {
      c.readingPaused = true;
      c.conn.pauseReading();
    } else if (!backlog && c.readingPaused) {
      c.readingPaused = false;
      c.conn.resumeReading();
    }
  }

  /**
   * Runs the rest of `c`'s pipeline in the next turn, after other sockets (other nodes, the API) were read.
   * Its socket is not read meanwhile (applyBackpressure), so what it sends next queues behind the rest.
   */
  private continueLater(c: Client): void {
    if (c.continuesLater) return;
    c.continuesLater = true;
    setImmediate(() => {
      c.continuesLater = false;
      if (c.closed) return;
      // Anything else that ran its queue meanwhile (an unpause, an unblock) took its place.
      if (c.queue.length !== 0 && c.running === null) this.processQueue(c);
      else this.applyBackpressure(c);
      // The rest of a read is judged as the read's first turn was (it failed under load when a turn ended early).
      if (this.droppedForUnauthOutput(c)) return;
      this.queueFlush(c);
    });
  }

  /** Redis 7.0.15 drops, unanswered, an unauthenticated client whose replies outgrow its 16 KB reply buffer. */
  private droppedForUnauthOutput(c: Client): boolean {
    if (c.authenticated || c.conn.writableLength + c.w.pendingBytes <= UNAUTH_MAX_OUTPUT) return false;
    c.w.take();
    this.closeClient(c, true);
    return true;
  }

  unpause(): void {
    this.pause = null;
    for (const c of this.clients.values()) {
      // The client running CLIENT UNPAUSE goes on with its queue itself: entering it again here ran
      // CLIENT UNPAUSE twice (two replies to one command).
      if (c.queue.length !== 0 && c.blocked === null && c.running === null) {
        this.processQueue(c);
        this.queueFlush(c);
      }
    }
  }

  queueFlush(c: Client): void {
    if (!c.flushQueued) {
      c.flushQueued = true;
      this.dirty.push(c);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushDirtyBound);
    }
  }

  private readonly flushDirtyBound = (): void => this.flushDirty();

  flushDirty(): void {
    this.flushScheduled = false;
    const list = this.dirty;
    if (list.length === 0) return;
    // Nothing below re-enters queueFlush synchronously; were it to, the index loop would still reach the newcomer.
    for (let i = 0; i < list.length; i++) {
      const c = list[i] as Client;
      c.flushQueued = false;
      if (c.outputHeld) continue;
      this.clientMemory.mark(c);
      // A client removed since it was queued is closed: its replies go nowhere.
      const out = c.w.take();
      if (out !== null && !c.closed && !c.peerGone) {
        this.netOutput += out.length;
        c.replyBuffer.held(out.length);
        c.conn.write(out);
        if (c.conn.writableLength > MAX_UNREAD_OUTPUT) this.applyBackpressure(c);
      }
    }
    list.length = 0;
  }

  /** Output produced for a client by someone else (pub/sub, unblocking): enforce output limits, flush soon. */
  private deliverOutOfBand(c: Client): void {
    const pending = c.conn.writableLength + c.w.pendingBytes;
    const cfg = this.config;
    if (cfg.pubsubHardLimit > 0 && pending > cfg.pubsubHardLimit) {
      this.closeClient(c, true);
      return;
    }
    if (cfg.pubsubSoftLimit > 0 && pending > cfg.pubsubSoftLimit) {
      const now = this.clock.now();
      if (c.softLimitSince === 0) c.softLimitSince = now;
      else if (now - c.softLimitSince > cfg.pubsubSoftSeconds * 1000) {
        this.closeClient(c, true);
        return;
      }
    } else {
      c.softLimitSince = 0;
    }
    this.queueFlush(c);
  }

  /** Feeds MONITOR clients the way Redis formats it: time, db, address, then quoted arguments. */
  feedMonitors(c: Client, args: string[]): void {
    const us = wallMicros();
    const head = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} [${c.dbIndex} ${c.conn.remote}]`;
    const line = `${head} ${args.map(quoteArg).join(' ')}`;
    // A monitor sees its own commands too, after their replies (7.0 feeds monitors once a command ran).
    for (const m of this.monitors) {
      m.w.simple(line);
      this.deliverOutOfBand(m);
    }
  }

  // --- blocking ---

  block(c: Client, keys: string[], timeoutMs: number, state: Pick<BlockState, 'tryServe' | 'onTimeout' | 'busy'>): void {
    const dbKeys = keys.map((k) => `${c.dbIndex}\0${k}`);
    const b: BlockState = { keys: dbKeys, tryServe: state.tryServe, onTimeout: state.onTimeout, timer: null, deadline: timeoutMs > 0 ? this.clock.now() + timeoutMs : 0, busy: state.busy };
    c.blocked = b;
    for (const k of new Set(dbKeys)) {
      let list = this.waiters.get(k);
      if (list === undefined) this.waiters.set(k, (list = []));
      list.push(c);
      this.ks.blockedOn.set(k, (this.ks.blockedOn.get(k) ?? 0) + 1);
    }
    if (timeoutMs > 0) {
      this.timeoutTable.add(c);
      this.armBlockTimer(c, b, timeoutMs);
    }
  }

  /** Blocked clients with a deadline (INFO's clients_in_timeout_table). */
  readonly timeoutTable = new Set<Client>();
  /** While DEBUG SLEEP holds this node, redis-server would not run its timeout handler either. */
  sleepingUntil = 0;

  // The deadline is on the engine clock; the wall-clock timer only says when to look again, and the
  // cron looks too, so a test's manual clock moving past the deadline times the client out.
  private armBlockTimer(c: Client, b: BlockState, ms: number): void {
    // Node fires a longer timer after 1 ms, with a TimeoutOverflowWarning (BLPOP k 4294967296, seen
    // in a fuzz run); checkBlockTimeout arms it again until the deadline.
    b.timer = setTimeout(() => this.checkBlockTimeout(c, b), Math.min(Math.max(1, ms), 2 ** 31 - 1));
    b.timer.unref?.();
  }

  private checkBlockTimeout(c: Client, b: BlockState): void {
    if (c.blocked !== b) return;
    const now = this.clock.now();
    const wait = Math.max(b.deadline - now, this.sleepingUntil - now);
    if (wait > 0) return this.armBlockTimer(c, b, Math.min(wait, 1000));
    b.onTimeout();
    this.unblock(c);
    this.resume(c);
  }

  expireBlockedTimeouts(now: number): void {
    if (this.timeoutTable.size === 0 || this.sleepingUntil > now) return;
    for (const c of [...this.timeoutTable]) {
      const b = c.blocked;
      if (b !== null && b.deadline > 0 && b.deadline <= now) this.checkBlockTimeout(c, b);
    }
  }

  /** `ended`: the command finished (served, timed out, unblocked), rather than its client going away. */
  unblock(c: Client, ended = true): void {
    const b = c.blocked;
    if (b === null) return;
    c.blocked = null;
    const slow = b.slow;
    if (ended && slow !== undefined) this.slowlogAdd(c, slow.def, slow.args, b.busy === true ? (performance.now() - slow.started) * 1000 : slow.usec);
    this.timeoutTable.delete(c);
    if (b.timer) clearTimeout(b.timer);
    for (const k of new Set(b.keys)) {
      const list = this.waiters.get(k);
      if (list !== undefined) {
        const i = list.indexOf(c);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.waiters.delete(k);
      }
      const n = (this.ks.blockedOn.get(k) ?? 1) - 1;
      if (n <= 0) this.ks.blockedOn.delete(k);
      else this.ks.blockedOn.set(k, n);
    }
  }

  /** After unblocking, run what the client pipelined behind the blocking command. */
  resume(c: Client): void {
    if (this.feed !== null) this.feed.resumed(c);
    this.queueFlush(c);
    if (c.queue.length !== 0) {
      setImmediate(() => {
        if (c.closed) return;
        this.processQueue(c);
        this.queueFlush(c);
      });
    }
  }

  /** Serves clients blocked on keys that changed, in the order they blocked. */
  serveBlocked(): void {
    let rounds = 0;
    while (this.ks.ready.size !== 0 && rounds++ < 1000) {
      const keys = [...this.ks.ready];
      this.ks.ready.clear();
      for (const k of keys) {
        const list = this.waiters.get(k);
        if (list === undefined) continue;
        const key = k.slice(k.indexOf('\0') + 1);
        for (const c of [...list]) {
          const b = c.blocked;
          if (b === null) continue;
          // Served, the command is the blocked client's own: as Redis does, what it invalidates
          // for itself (tracking) goes out after its reply.
          const outer = this.currentClient;
          this.currentClient = c;
          const feed = this.feed;
          const slow = b.slow;
          const entered = feed !== null && slow !== undefined ? feed.enter(c, slow.def, slow.args) : null;
          const served = b.tryServe(key);
          if (entered !== null) (feed as ReplFeed).leave(entered, c, (slow as { def: CommandDef }).def, (slow as { args: string[] }).args);
          this.currentClient = outer;
          if (outer !== c) this.tracking.afterReply(c);
          if (served) {
            this.unblock(c);
            this.resume(c);
          }
        }
      }
    }
  }

  get blockedClientCount(): number {
    let n = 0;
    for (const c of this.clients.values()) if (c.blocked !== null || c.postponed) n++;
    return n;
  }

  // --- WATCH ---

  watch(c: Client, key: string): void {
    const k = `${c.dbIndex}\0${key}`;
    if (c.watched.has(k)) return;
    c.watched.add(k);
    let set = this.ks.watchers.get(k);
    if (set === undefined) this.ks.watchers.set(k, (set = new Set()));
    set.add(c);
  }

  unwatchAll(c: Client): void {
    for (const k of c.watched) {
      const set = this.ks.watchers.get(k);
      if (set === undefined) continue;
      set.delete(c);
      if (set.size === 0) this.ks.watchers.delete(k);
    }
    c.watched.clear();
    c.dirtyCas = false;
  }

  // --- memory ---

  /** Highest used memory seen, for used_memory_peak. */
  peakMemory = BASELINE_MEMORY;

  /**
   * Memory the fill-memory fault holds as if data used it: counted toward maxmemory and INFO, but no
   * key, so SCAN, DBSIZE, snapshots and replicas never see filler.
   */
  memoryBallast = 0;

  usedMemory(): number {
    this.ks.settleMemory();
    this.clientMemory.settle();
    const used = BASELINE_MEMORY + this.memoryBallast + this.ks.usedMemory + this.clientMemory.counted + this.clientMemory.aside;
    if (used > this.peakMemory) this.peakMemory = used;
    return used;
  }

  freeMemory(): boolean {
    // isSafeToPerformEvictions: while clients are paused the dataset stays as it is, so nothing is evicted
    // and nothing is refused for memory (a node busy with a command of its own is not paused).
    if (this.pause !== null && this.pause.command !== true && this.clock.now() < this.pause.until) return true;
    this.ks.settleMemory();
    this.clientMemory.settle();
    this.ks.setPolicy(this.config.maxmemoryPolicy, this.config.maxmemory);
    return freeMemory(this.ks, this.config, BASELINE_MEMORY + this.memoryBallast + this.clientMemory.counted, (db, key) => {
      notify(this, 'e', 'evicted', db, key);
      if (this.feed !== null) this.feed.evicted(db, key);
    });
  }

  // --- stats ---

  commandStats(def: CommandDef): CommandStat {
    let s = this.cmdStatsById[def.id];
    if (s === undefined) {
      this.cmdStatsById[def.id] = s = { calls: 0, usec: 0, rejected: 0, failed: 0, histogram: [] };
      this.statNames[def.id] = def.fullName;
    }
    return s;
  }

  /** Per-command statistics in INFO commandstats order, by full name. */
  get cmdStats(): [string, CommandStat][] {
    const out: [string, CommandStat][] = [];
    this.cmdStatsById.forEach((s, id) => {
      if (s !== undefined) out.push([this.statNames[id] as string, s]);
    });
    return out;
  }

  countError(msg: string): void {
    // afterErrorReply looks for the code's end in the first 32 bytes of '-' + msg only; an error
    // without a space there counts as ERR (an error({err=...}) code of 70 bytes, seed 100953).
    const sp = msg.slice(0, ERROR_CODE_SCAN - 1).indexOf(' ');
    const prefix = sp < 0 ? 'ERR' : msg.slice(0, sp);
    this.errStats.set(prefix, (this.errStats.get(prefix) ?? 0) + 1);
    this.totalErrors++;
  }

  /** A script's commands have no connection: MONITOR names them `lua`, the slow log as Redis's getClientPeerId does. */
  private slowlogAddr(c: Client): string {
    return this.scripting.isScriptClient(c) ? '?:0' : c.conn.remote;
  }

  slowlogAdd(c: Client, def: CommandDef, raw: string[], usec: number): void {
    if (usec < this.config.slowlogSlowerThan || this.config.slowlogSlowerThan < 0 || def.flags.includes('skip_slowlog')) return;
    const args = redactSecrets(def.fullName, raw, (u, p) => this.acl.accepts(u, p));
    const shown = args.slice(0, 32).map((a) => (a.length > 128 ? `${a.slice(0, 128)}... (${a.length - 128} more bytes)` : a));
    if (args.length > 32) shown[31] = `... (${args.length - 31} more arguments)`;
    this.slowlog.unshift({ id: this.slowlogNextId++, time: Math.floor(this.clock.now() / 1000), usec: Math.round(usec), args: shown, addr: this.slowlogAddr(c), name: c.name });
    if (this.slowlog.length > this.config.slowlogMaxLen) this.slowlog.length = this.config.slowlogMaxLen;
  }

  resetStats(): void {
    this.cmdStatsById = [];
    this.errStats.clear();
    this.totalErrors = 0;
    this.totalCommands = 0;
    this.totalConnections = 0;
    this.rejectedConnections = 0;
    this.syncFull = this.syncPartialOk = this.syncPartialErrors = 0;
    this.evictedClients = 0;
    this.netInput = this.netOutput = 0;
    const s = this.ks.stats;
    s.hits = s.misses = s.expired = s.evicted = 0;
  }
}

/** Quotes like Redis's sdscatrepr: printable bytes as-is, escapes for the rest. */
function quoteArg(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 34 || ch === 92) out += '\\' + s[i];
    else if (ch === 10) out += '\\n';
    else if (ch === 13) out += '\\r';
    else if (ch === 9) out += '\\t';
    else if (ch === 7) out += '\\a';
    else if (ch === 8) out += '\\b';
    else if (ch < 32 || ch > 126) out += '\\x' + ch.toString(16).padStart(2, '0');
    else out += s[i];
  }
  return out + '"';
}

function randomHex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}
