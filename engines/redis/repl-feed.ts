// The replication stream a bare engine serves to SYNC / PSYNC clients, as redis-server 7.0 writes it to
// its replicas: an RDB of the dataset, then every change as a command in a RESP array. As 7.0's call()
// and propagatePendingCommands: a command that changed data goes out (rewritten by repl-rewrite.ts),
// after the deletions of keys that expired under it; what one top-level command produced goes out
// wrapped in MULTI/EXEC when it is more than one command; a SELECT precedes a command of another
// database. The engine holds a feed from its first SYNC client for as long as the backlog lives (the
// backlog goes repl-backlog-ttl seconds after the last replica left, as 7.0's): before and after that
// `Engine.feed` is null and a command pays one comparison. A replica whose link broke continues from the
// backlog (PSYNC +CONTINUE). Nodes created through the API refuse SYNC, as ElastiCache does.
import type { Client } from './client.ts';
import { keyPositions, type CommandDef } from './command-table.ts';
import type { Engine } from './engine.ts';
import { fail } from './errors.ts';
import { parseMemory } from './config.ts';
import { parseI64Arg } from './num.ts';
import { engineRdbChunks, type RdbParts } from './rdb/node-rdb.ts';
import { splitInline } from './resp/parser.ts';
import { appendBacklog, backlogFrom, freeBacklog, openBacklog, restartBacklog, type Backlog } from './repl-backlog.ts';
import { replId2Of, replIdOf, setReplId, shiftReplId } from './repl-id.ts';
import { runSliced } from './sliced.ts';
import { ALWAYS, NEVER_SELF, RULES, type Argv, type Rule } from './repl-rewrite.ts';
import { encodeCommand } from './replication-client.ts';

interface Op {
  db: number;
  argv: Argv;
}

interface Link {
  c: Client;
  /** The stream written while the RDB is made; null once the payload went out. */
  held: Buffer[] | null;
  softSince: number;
  /** The offset the replica last acknowledged (REPLCONF ACK), and when (engine clock; from the payload's end until the first). */
  ack: number;
  ackAt: number;
}

/** What `enter` saw, for `leave`. */
export interface Entered {
  rule: Rule | undefined;
  before: unknown;
  ownDirty: number;
}

/** Keys these find expired go out one by one as they are deleted, not in one MULTI with each other (7.0.15). */
const EXPIRES_ALONE = new Set(['scan', 'randomkey']);

export class ReplFeed {
  private readonly links = new Map<Client, Link>();
  private pending: Op[] = [];
  /** The database the stream last selected (redis-server's slaveseldb); -1 makes the next command select. */
  private selected = -1;
  private depth = 0;
  private lastPing: number;
  private flushScheduled = false;
  private scriptReplicates = true;
  /** Stream bytes of this turn, not yet written. */
  private out: Buffer[] = [];
  /** The outermost command running. */
  private top = '';
  /** Commands running in slices, by client, until they end. */
  private readonly sliced = new Map<Client, { at: Entered; def: CommandDef; args: string[] }>();
  private evictions = 0;
  private ackRequested = false;
  /** When the last link went (engine clock), for repl-backlog-ttl; 0 while a replica is attached. */
  private noLinksSince = 0;
  /**
   * Set on a replica that relays its primary's stream (network-replica.ts): the database that stream has
   * selected, which a sub-replica's RDB names. A replica makes no stream of its own, as 7.0's proxies its primary's.
   */
  relayDb: (() => number) | null = null;

  constructor(
    private readonly e: Engine,
    private backlog: Backlog,
  ) {
    this.lastPing = e.clock.now();
    // A feed made without a replica (a dump's replication info restored at start) counts repl-backlog-ttl from now.
    this.noLinksSince = this.lastPing;
  }

  /** The database the stream is in (slaveseldb), as a dump's repl-stream-db records it: 0 before any SELECT. */
  get streamDb(): number {
    return this.relayDb?.() ?? Math.max(0, this.selected);
  }

  /** Bytes written to the stream since the backlog began: the replication offset. */
  get offset(): number {
    return this.backlog.offset;
  }

  get size(): number {
    return this.links.size;
  }

  has(c: Client): boolean {
    return this.links.has(c);
  }

  /** Each SYNC client's address, the port it said it listens on (REPLCONF listening-port, else 0) and its acknowledged offset. */
  replicas(): [string, number, number][] {
    return [...this.links.values()].map((l) => [l.c.conn.remote.replace(/:\d+$/, ''), listeningPorts.get(l.c) ?? 0, l.ack]);
  }

  /** INFO replication's slaveN lines: lag is the seconds since the replica's last ACK (since it came online when none). */
  infoLines(first: number): [string, string][] {
    const now = this.e.clock.now();
    return [...this.links.values()].map((l, i) => {
      const state = l.held === null ? 'online' : 'wait_bgsave';
      const lag = l.held === null ? Math.floor((now - l.ackAt) / 1000) : 0;
      return [`slave${first + i}`, `ip=${l.c.conn.remote.replace(/:\d+$/, '')},port=${listeningPorts.get(l.c) ?? 0},state=${state},offset=${l.ack},lag=${lag}`];
    });
  }

  /**
   * The replicas behind the stream's offset as a shutdown sees them (7.0's isReadyToShutdown and
   * finishShutdown's log): each one's name, bytes behind, seconds since its ACK and state; and how many there are.
   */
  syncStatus(): { total: number; lagging: { name: string; behind: number; lag: number; state: string }[] } {
    const now = this.e.clock.now();
    const lagging = [];
    for (const l of this.links.values()) {
      if (l.ack === this.offset) continue;
      const online = l.held === null;
      lagging.push({ name: `${l.c.conn.remote.replace(/:\d+$/, '')}:${listeningPorts.get(l.c) ?? 0}`, behind: this.offset - l.ack, lag: online ? Math.floor((now - l.ackAt) / 1000) : 0, state: online ? 'online' : 'wait_bgsave' });
    }
    return { total: this.links.size, lagging };
  }

  /** Bytes of the stream not yet sent to the slowest replica (7.0 counts them in the shared replication buffer). */
  unsentBytes(): number {
    let most = 0;
    for (const l of this.links.values()) most = Math.max(most, l.c.conn.writableLength + l.c.w.pendingBytes);
    return most;
  }

  /** Online replicas whose last ACK is at most `maxLag` seconds old (7.0's refreshGoodSlavesCount, for min-replicas-to-write). */
  good(maxLag: number): number {
    const now = this.e.clock.now();
    let n = 0;
    for (const l of this.links.values()) if (l.held === null && Math.floor((now - l.ackAt) / 1000) <= maxLag) n++;
    return n;
  }

  /** Online replicas that acknowledged `offset` (WAIT's count, as 7.0's replicationCountAcksByOffset). */
  acked(offset: number): number {
    let n = 0;
    for (const l of this.links.values()) if (l.held === null && l.ack >= offset) n++;
    return n;
  }

  /** REPLCONF ACK from a replica: a client that is none is ignored, as redis-server ignores it. */
  ack(c: Client, offset: number): void {
    const l = this.links.get(c);
    if (l === undefined) return;
    if (offset > l.ack) l.ack = offset;
    l.ackAt = this.e.clock.now();
    this.e.replication.acksChanged();
  }

  /** A WAIT blocked: the replicas are asked for an ACK, once for all the WAITs of this turn (7.0's beforeSleep). */
  requestAck(): void {
    if (this.ackRequested) return;
    this.ackRequested = true;
    setImmediate(() => {
      this.ackRequested = false;
      this.write(encodeCommand(['REPLCONF', 'GETACK', '*']));
    });
  }

  /** A command starts: remember what its rewrite rule needs. */
  enter(c: Client, def: CommandDef, args: readonly string[]): Entered {
    // A command in slices that ended goes out before anything after it (its client may be gone).
    if (this.depth === 0 && this.sliced.size !== 0) for (const x of [...this.sliced.keys()]) if (x.blocked === null) this.resumed(x);
    if (this.depth++ === 0) this.top = def.name;
    const db = this.e.ks.dbs[c.dbIndex];
    // redis-server's lookupKeyWrite expires a write's keys first, so their deletion precedes it in the
    // stream, even where a command of ours overwrites without looking (SET over an expired key).
    if (def.isWrite && db !== undefined && db.expires.size !== 0) for (const i of keyPositions(def, args as string[])) db.expireIfNeeded(args[i] as string);
    const rule = RULES.get(def.name);
    if (rule === undefined) return { rule, before: undefined, ownDirty: this.ownDirty() };
    return { rule, before: rule.before !== undefined && db !== undefined ? rule.before(db, args) : undefined, ownDirty: this.ownDirty() };
  }

  /** A command ended: queue what it propagates; the outermost one sends the lot. */
  leave(at: Entered, c: Client, def: CommandDef, args: readonly string[], failed = false): void {
    // A command whose work goes on in slices (sliced.ts) is judged once it ended: see resumed.
    if (c.blocked !== null && c.blocked.busy === true && this.depth === 1) {
      this.sliced.set(c, { at, def, args: [...args] });
      this.depth--;
      return this.flush();
    }
    this.depth--;
    const changed = this.ownDirty() !== at.ownDirty || (!failed && ALWAYS.has(def.fullName)) || at.rule?.always === true;
    if (changed && this.scriptReplicates && !NEVER_SELF.has(def.name)) {
      const db = this.e.ks.dbs[c.dbIndex];
      const ops = at.rule !== undefined && db !== undefined ? at.rule.after(this.e, db, args, at.before) : [[...args]];
      for (const argv of ops) this.pending.push({ db: c.dbIndex, argv });
    }
    if (this.depth === 0) {
      this.scriptReplicates = true;
      this.flush();
      // redis-server's processCommand: after every command, the client's offset is the stream's (WAIT's bar).
      c.replOff = this.offset;
    }
  }

  /** The client's command ended after its last slice: what it changed goes out now. */
  resumed(c: Client): void {
    const run = this.sliced.get(c);
    if (run === undefined) return;
    this.sliced.delete(c);
    this.depth++;
    this.leave(run.at, c, run.def, run.args);
  }

  /** redis.set_repl: whether the running script's commands reach replicas (REPL_REPLICA, bit 2). */
  setScriptRepl(flags: number): void {
    this.scriptReplicates = (flags & 2) !== 0;
  }

  /** DEBUG REPLICATE: `argv` goes out with the running command's effects, without having run. */
  propagate(db: number, argv: string[]): void {
    this.pending.push({ db, argv });
  }

  /** A key eviction deleted: it goes out at once, alone, and is not the running command's change. */
  evicted(db: number, key: string): void {
    this.evictions++;
    const pending = this.pending;
    this.pending = [{ db, argv: [this.e.config.get('lazyfree-lazy-eviction') === 'yes' ? 'UNLINK' : 'DEL', key] }];
    this.flush();
    this.pending = pending;
  }

  /** Changes the running command made itself: not expiry's nor eviction's. */
  private ownDirty(): number {
    return this.e.ks.stats.dirty - this.e.ks.serverDirty - this.evictions;
  }

  /** A key the server deleted itself (expiry), propagated at once outside a command. */
  deleted(db: number, key: string, lazyOption: string): void {
    this.pending.push({ db, argv: [this.e.config.get(lazyOption) === 'yes' ? 'UNLINK' : 'DEL', key] });
    if (this.depth === 0 || EXPIRES_ALONE.has(this.top)) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    // A script that yields keeps its effects together: they go out when it ends.
    if (this.e.scripting.running !== null) {
      this.scheduleFlush();
      return;
    }
    const ops = this.pending;
    this.pending = [];
    const wrap = ops.length > 1;
    const parts: Buffer[] = [];
    const emit = (db: number, argv: readonly string[]) => {
      if (db !== this.selected) {
        parts.push(encodeCommand(['SELECT', String(db)]));
        this.selected = db;
      }
      parts.push(encodeCommand(argv));
    };
    if (wrap) emit((ops[0] as Op).db, ['MULTI']);
    for (const op of ops) emit(op.db, op.argv);
    if (wrap) emit((ops[ops.length - 1] as Op).db, ['EXEC']);
    this.write(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.depth === 0) this.flush();
    });
  }

  /** Bytes for the links, written once per event-loop turn: one socket write for a pipeline's commands. */
  private write(b: Buffer): void {
    // A replica's own changes (expiry, writes under replica-read-only no) stay its own.
    if (this.e.replication.primary !== null) return;
    this.relay(b);
  }

  /** Bytes of the stream, kept in the backlog and sent to the links: a primary's own, or a replica's primary's as they arrived. */
  relay(b: Buffer): void {
    appendBacklog(this.e, this.backlog, b);
    if (this.links.size === 0) return;
    this.out.push(b);
    if (this.out.length === 1) setImmediate(() => this.drain());
  }

  /** Every sub-replica is dropped (they reconnect, and learn a new ID or resync): 7.0's disconnectSlaves. */
  dropLinks(): void {
    this.out = [];
    // Closing a link's client detaches it (dropSyncClient), which starts repl-backlog-ttl once none is left.
    for (const c of [...this.links.keys()]) this.e.closeClient(c, true);
  }

  /** A replica's full sync from its primary at `offset`: sub-replicas dropped, the backlog started again there. */
  restart(offset: number): void {
    this.dropLinks();
    this.backlog = restartBacklog(this.e, offset);
  }

  /** A replica promoted: its own stream begins with a SELECT, as 7.0 resets slaveseldb. */
  forgetSelected(): void {
    this.selected = -1;
  }

  private drain(): void {
    if (this.out.length === 0) return;
    const out = this.out.length === 1 ? (this.out[0] as Buffer) : Buffer.concat(this.out);
    this.out = [];
    const limits = replicaLimits(this.e);
    for (const link of this.links.values()) {
      if (link.held !== null) link.held.push(out);
      else this.send(link, out, limits);
    }
  }

  /** client-output-buffer-limit replica: a replica that does not read is dropped, as redis-server drops it. */
  private send(link: Link, b: Buffer, [hard, soft, seconds]: [number, number, number]): void {
    const c = link.c;
    if (c.closed) return;
    c.conn.write(b);
    const pending = c.conn.writableLength;
    if (hard > 0 && pending > hard) return this.e.closeClient(c, true);
    if (soft > 0 && pending > soft) {
      const now = this.e.clock.now();
      if (link.softSince === 0) link.softSince = now;
      else if (now - link.softSince > seconds * 1000) this.e.closeClient(c, true);
    } else {
      link.softSince = 0;
    }
  }

  /**
   * Periodic work, as redis-server's replicationCron: PING the replicas every repl-ping-replica-period
   * seconds (none when there is no replica); free the backlog, and this feed with it, once no replica
   * was attached for repl-backlog-ttl seconds (0: kept for ever).
   */
  cron(): void {
    const now = this.e.clock.now();
    if (this.links.size === 0) {
      const ttl = Number(this.e.config.get('repl-backlog-ttl') ?? 3600) * 1000;
      // A replica keeps its backlog: it may be promoted, and its siblings continue from it.
      if (ttl > 0 && now - this.noLinksSince > ttl && this.depth === 0 && this.e.scripting.running === null && this.e.replication.primary === null) {
        freeBacklog(this.e);
        this.e.feed = null;
      }
      return;
    }
    const period = Number(this.e.config.get('repl-ping-replica-period') ?? 10) * 1000;
    if (now - this.lastPing < period) return;
    this.lastPing = now;
    if (this.depth === 0 && this.e.scripting.running === null) this.write(encodeCommand(['ping']));
  }

  /**
   * SYNC / PSYNC: the payload is made in slices while the node's other clients wait (runSliced), as
   * for BGSAVE's capture: one instant of the dataset, like the fork's, with the other nodes served.
   */
  attach(c: Client, psync: boolean): void {
    // What was written before this SYNC belongs to the links there before it.
    this.drain();
    const link: Link = { c, held: [], softSince: 0, ack: 0, ackAt: 0 };
    this.links.set(c, link);
    this.noLinksSince = 0;
    // A new replica starts from a known database: the next command selects.
    const streamDb = this.streamDb;
    this.selected = -1;
    const id = replIdOf(this.e);
    const startOffset = this.offset;
    const chunks: Buffer[] = [];
    runSliced(c, collect(engineRdbChunks(this.e, undefined, { streamDb, id, offset: startOffset }, rdbFilters.get(c)), chunks), () => {
      // What a replica sends it gets no answer to (REPLCONF ACK, PING), as redis-server's replica clients.
      c.replyMode = 'off';
      if (c.closed || !this.links.has(c)) return;
      const rdb = Buffer.concat(chunks);
      const head = psync ? `+FULLRESYNC ${id} ${startOffset}\r\n` : '';
      c.conn.write(Buffer.from(`${head}$${rdb.length}\r\n`, 'latin1'));
      c.conn.write(rdb);
      const held = link.held ?? [];
      link.held = null;
      link.ackAt = this.e.clock.now();
      const limits = replicaLimits(this.e);
      for (const b of held) this.send(link, b, limits);
    });
  }

  /**
   * PSYNC <id> <offset> of a replica that was fed before: +CONTINUE and the stream from that offset, when
   * the backlog still holds it (false otherwise: the caller serves a full sync). A replica that said
   * `REPLCONF capa psync2` learns the replication ID in the reply, as 7.0 tells it.
   */
  resume(c: Client, psyncOffset: number): boolean {
    // The backlog must hold everything written so far, and the links have had it.
    this.drain();
    const missed = backlogFrom(this.backlog, psyncOffset);
    if (missed === null) return false;
    const head = Buffer.from(psync2Replicas.has(c) ? `+CONTINUE ${replIdOf(this.e)}\r\n` : '+CONTINUE\r\n', 'latin1');
    c.flush();
    c.conn.write(missed.length === 0 ? head : Buffer.concat([head, missed]));
    c.replyMode = 'off';
    this.links.set(c, { c, held: null, softSince: 0, ack: 0, ackAt: this.e.clock.now() });
    this.noLinksSince = 0;
    return true;
  }

  /** The client went away: with no replica left, repl-backlog-ttl starts counting. */
  detach(c: Client): void {
    if (!this.links.delete(c)) return;
    if (this.links.size === 0) this.noLinksSince = this.e.clock.now();
  }
}

/** One step per RDB chunk, kept in `into`. */
function* collect(chunks: Iterator<Buffer>, into: Buffer[]): Generator<void> {
  for (let r = chunks.next(); r.done !== true; r = chunks.next()) {
    into.push(r.value);
    yield;
  }
}

function replicaLimits(e: Engine): [number, number, number] {
  const words = String(e.config.get('client-output-buffer-limit') ?? '').split(/\s+/);
  let out: [number, number, number] = [268435456, 67108864, 60];
  for (let i = 0; i + 3 < words.length; i += 4) {
    const cls = (words[i] as string).toLowerCase();
    if (cls === 'slave' || cls === 'replica') out = [parseMemory(words[i + 1] as string) ?? 0, parseMemory(words[i + 2] as string) ?? 0, Number(words[i + 3])];
  }
  return out;
}

/** The SYNC and PSYNC commands: a bare engine serves the stream; a node refuses, as ElastiCache does. */
export function syncCommand(c: Client, args: readonly string[]): void {
  const e = c.engine;
  const psync = args[0]?.toLowerCase() === 'psync';
  if (e.mode !== 'bare') fail(`ERR ${psync ? 'PSYNC' : 'SYNC'} is not supported by this server`);
  // A replica that asks again is ignored, as redis-server ignores SYNC from a client it already feeds.
  if (e.feed?.has(c) === true) return;
  // A replica serves sub-replicas the stream it relays (network-replica.ts) while its own link is up.
  if (e.replication.primary !== null) {
    if (!e.replication.linkUp) fail("NOMASTERLINK Can't SYNC while not connected with my master");
    if (e.feed?.relayDb == null) fail('ERR Replica is not connected to master... can not sync');
  }
  // The stream must follow the client's replies: none may be waiting to be written (a REPLCONF's +OK read with it).
  if (c.w.pendingBytes > 0 || c.conn.writableLength > 0) fail('ERR SYNC and PSYNC are invalid with pending output');
  if (psync) {
    const offset = parseI64Arg(args[2] as string);
    // A replica continues when it names this stream (compared as 7.0 does, case aside) and the backlog holds
    // its next byte; otherwise it gets a full sync, and one that named an ID (not '?', a replica's way of
    // asking for a full sync) counts as a refused partial one.
    const id = (args[1] as string).toLowerCase();
    // The ID a promoted replica followed before continues too, up to where it was promoted (PSYNC2).
    const [id2, lastOf2] = replId2Of(e);
    const continues = id === replIdOf(e) || (id === id2 && Number(offset) <= lastOf2);
    if (e.feed !== null && continues && e.feed.resume(c, Number(offset))) {
      e.syncPartialOk++;
      return;
    }
    if (!id.startsWith('?')) e.syncPartialErrors++;
  }
  e.syncFull++;
  e.feed ??= new ReplFeed(e, openBacklog(e));
  e.feed.attach(c, psync);
}

/**
 * A dump's replication info at start, as 7.0's loadDataFromDisk: a primary keeps the stream it had as
 * replid2 (replicas that followed it continue with PSYNC under the new ID) and goes on from its offset
 * with an empty backlog; a replica takes the stream as the one it follows, so it asks its primary to continue.
 */
export function resumeFromDump(e: Engine, aux: Map<string, Buffer>, replica: boolean, expired: readonly [number, string][]): void {
  const id = aux.get('repl-id')?.toString('latin1');
  const offset = Number(aux.get('repl-offset')?.toString('latin1'));
  const db = Number(aux.get('repl-stream-db')?.toString('latin1'));
  if (id === undefined || id.length !== 40 || !Number.isSafeInteger(offset) || offset < 0 || !Number.isInteger(db) || db < 0) return;
  if (replica) {
    setReplId(e, id);
    restartBacklog(e, offset);
    return;
  }
  setReplId(e, id);
  shiftReplId(e, offset + 1);
  const feed = new ReplFeed(e, restartBacklog(e, offset));
  e.feed = feed;
  // The keys the load left out for their TTL are deleted in the stream, after the offset the replicas continue from.
  for (const [db, key] of expired) feed.deleted(db, key, 'lazyfree-lazy-expire');
}

/** The client closed: the feed stays with the backlog (see ReplFeed.cron). */
export function dropSyncClient(e: Engine, c: Client): void {
  e.feed?.detach(c);
}

/** Replicas that said REPLCONF capa psync2: a partial resync's +CONTINUE names the replication ID to them. */
const psync2Replicas = new WeakSet<Client>();

/** REPLCONF listening-port, by client. */
const listeningPorts = new WeakMap<Client, number>();

const REPLCONF_OPTIONS = new Set(['listening-port', 'ip-address', 'capa', 'ack', 'getack', 'rdb-only', 'rdb-filter-only']);

/** REPLCONF rdb-filter-only, by client: what its RDB leaves out. */
const rdbFilters = new WeakMap<Client, RdbParts>();

/**
 * REPLCONF, what a redis-server replica sends around PSYNC (listening-port, capa, then ACK every
 * second and on GETACK): accepted, so a real replica can follow a bare engine; its ACKs are what WAIT
 * and INFO's slaveN offset read.
 */
export function replconfCommand(c: Client, args: readonly string[]): void {
  if (args.length % 2 === 0) fail('ERR syntax error');
  for (let i = 1; i < args.length; i += 2) {
    const option = (args[i] as string).toLowerCase();
    if (!REPLCONF_OPTIONS.has(option)) fail(`ERR Unrecognized REPLCONF option: ${args[i] as string}`);
    // A replica's ACK gets no answer.
    if (option === 'ack') {
      const offset = Number(args[i + 1]);
      if (Number.isSafeInteger(offset)) c.engine.feed?.ack(c, offset);
      return;
    }
    if (option === 'rdb-filter-only') {
      // The only include filter 7.0 knows is "functions"; none at all makes an empty RDB.
      const filters = splitInline(args[i + 1] as string);
      if (filters === null) fail('ERR Missing rdb-filter-only values');
      const bad = filters.find((f) => f.toLowerCase() !== 'functions');
      if (bad !== undefined) fail(`ERR Unsupported rdb-filter-only option: ${bad}`);
      rdbFilters.set(c, { data: false, functions: filters.length > 0 });
    }
    if (option === 'listening-port') listeningPorts.set(c, Number(args[i + 1]) || 0);
    if (option === 'capa' && (args[i + 1] as string).toLowerCase() === 'psync2') psync2Replicas.add(c);
  }
  c.w.ok();
}
