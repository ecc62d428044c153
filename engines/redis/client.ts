// One connected client: its protocol state, transaction, subscriptions and blocking state.
import type { AclUser } from './acl/user.ts';
import type { CommandDef } from './command-table.ts';
import type { Database, Watcher } from './db/keyspace.ts';
import type { Engine } from './engine.ts';
import { RespParser, type ParseLimits } from './resp/parser.ts';
import { ReplyBuffer } from './reply-buffer.ts';
import { ReplyWriter } from './resp/writer.ts';
import type { TrackingState } from './tracking.ts';

/** The transport under a client; tests and the TCP/TLS server both provide one. */
export interface Conn {
  write(b: Buffer): void;
  /** Ends the connection once queued output is written. */
  end(): void;
  /** Drops the connection at once. */
  destroy(): void;
  readonly writableLength: number;
  /** Stop and restart reading: backpressure when commands or replies pile up. */
  pauseReading(): void;
  resumeReading(): void;
  readonly remote: string;
  readonly local: string;
  /** Accepted on a unix socket (CLIENT LIST flag U). */
  readonly unix?: boolean;
}

/** A connection that drops every reply: for internal clients (scripts, replicated commands, benches). */
export function discardingConn(remote: string, local: string): Conn {
  return {
    write: () => undefined,
    end: () => undefined,
    destroy: () => undefined,
    writableLength: 0,
    pauseReading: () => undefined,
    resumeReading: () => undefined,
    remote,
    local,
  };
}

export interface BlockState {
  /** db\0key entries this client waits on. */
  keys: string[];
  /** The command's slow log entry, written when it ends (redis-server's updateStatsOnUnblock). */
  slow?: { def: CommandDef; args: string[]; started: number; usec: number };
  /** Work the node does in steps (sliced commands, DEBUG SLEEP): its time runs until it ends, not only until it blocked. */
  busy?: boolean;
  /** Tries to complete the command now that `key` changed; true when it replied. */
  tryServe: (key: string) => boolean;
  /** Replies for a timeout. */
  onTimeout: () => void;
  timer: NodeJS.Timeout | null;
  deadline: number;
}

export type ReplyMode = 'on' | 'off' | 'skip';

export class Client implements Watcher {
  readonly w = new ReplyWriter();
  readonly parser = new RespParser();
  /** Reused for every parse call, refreshed from config and auth state each time. */
  readonly parseLimits: ParseLimits = { maxBulkLen: 0, authenticated: false };
  /** Parsed commands not yet run (waiting behind a blocking command or CLIENT PAUSE). */
  queue: string[][] = [];
  name = '';
  libName = '';
  libVer = '';
  dbIndex = 0;
  authenticated: boolean;
  /** The ACL user this connection runs as (the default user until AUTH). */
  user: AclUser;
  multi: string[][] | null = null;
  multiError = false;
  /** How many queued commands the running EXEC holds (-1 outside EXEC): Redis keeps MULTI's flag and count until they ran. */
  execQueued = -1;
  /** The commands the running EXEC holds: multi-mem still counts them, as redis-server frees its mstate after EXEC. */
  execCommands: string[][] | null = null;
  dirtyCas = false;
  /** Set by a command that records its own time later (DEBUG SLEEP, once it wakes). */
  timeDeferred = false;
  /** The command whose handler runs or last ran for this client: a read that fails in slices counts its failed call here. */
  runningDef: CommandDef | null = null;
  readonly watched = new Set<string>();
  readonly staleWatched = new Set<string>();
  readonly subs = new Set<string>();
  readonly psubs = new Set<string>();
  readonly ssubs = new Set<string>();
  replyMode: ReplyMode = 'on';
  /** The request being run: Redis keeps it in the query buffer until it has run, so CLIENT LIST counts it. */
  running: string[] | null = null;
  blocked: BlockState | null = null;
  /** Its next queued command waits for CLIENT PAUSE: redis-server counts such a client as blocked (flag b). */
  postponed = false;
  /** The replication offset of this client's last write (WAIT waits for replicas to acknowledge it). */
  woff = 0;
  /** The SYNC clients' stream offset after this client's last command (repl-feed.ts): what WAIT asks them to have acknowledged. */
  replOff = 0;
  closing = false;
  closed = false;
  /** Its connection closed while commands it sent waited for a hold (Engine.connectionClosed): they still run. */
  peerGone = false;
  noEvict = false;
  tracking: TrackingState | null = null;
  /** Cluster READONLY: reads may be served by a replica of the slot's shard. */
  clusterReadonly = false;
  /** Set by MONITOR: receives a line per command run by anyone. */
  monitoring = false;
  /** The client a replica runs its primary's stream on (network-replica.ts): type master, flag M. */
  isPrimary = false;
  noTouch = false;
  readonly createdAt: number;
  lastInteraction: number;
  readonly replyBuffer: ReplyBuffer;
  lastCommand = 'NULL';
  /** Reading from the socket is paused until the backlog drains. */
  readingPaused = false;
  /** The rest of its parsed pipeline runs in a later turn: this turn's budget went to the part before it. */
  continuesLater = false;
  /** Waiting in the engine's list of clients to flush at the end of this turn. */
  flushQueued = false;
  /** When output first went over the pub/sub soft limit, or 0. */
  softLimitSince = 0;
  /** This client's share of the engine's ClientMemoryTally, and the part of it eviction leaves aside. */
  memCounted = 0;
  memAside = 0;
  /** The unflushed replies memCounted holds (ClientMemoryTally.noteOutput). */
  memOutput = 0;
  /** Marked for the tally to settle. */
  memStale = false;

  constructor(
    readonly engine: Engine,
    readonly id: number,
    readonly conn: Conn,
  ) {
    this.user = engine.acl.defaultUser;
    this.authenticated = engine.acl.autoAuthenticated();
    this.createdAt = this.lastInteraction = engine.clock.now();
    // 7.0's createClient stores the peak's reset time in seconds and clientsCron compares it with milliseconds,
    // so the first cron that visits a new client resets its peak (to 0 between flushes).
    this.replyBuffer = new ReplyBuffer(Math.floor(this.createdAt / 1000));
  }

  get db(): Database {
    return this.engine.ks.dbs[this.dbIndex] as Database;
  }

  get subscriptionCount(): number {
    return this.subs.size + this.psubs.size;
  }

  get inPubSubContext(): boolean {
    return this.subs.size + this.psubs.size + this.ssubs.size > 0;
  }

  /**
   * A reply written in slices under a hard output limit is kept back until it is whole or past the limit
   * (sliced.ts runSliced): redis-server builds a reply whole before writing any of it.
   */
  outputHeld = false;

  /** Sends whatever was written; called once per input batch and after out-of-band writes. */
  flush(): void {
    if (this.closed || this.outputHeld) return;
    const out = this.w.take();
    if (out === null) return;
    this.replyBuffer.held(out.length);
    this.conn.write(out);
  }
}
