// REPLICAOF an address no engine of this process serves: a redis-server, or an engine in another process.
// A bare engine follows it over Redis's own replication protocol (replication-client.ts), as a 7.0 replica
// does. Its first PSYNC offers the replication ID and offset it has (its own, so a primary that never fed
// it counts a refused partial sync); a +FULLRESYNC's RDB replaces the dataset, a +CONTINUE keeps it. The
// primary's command stream runs through dispatch's call() on a master client (listed by CLIENT LIST, killable,
// no READONLY, replies dropped; keys past their TTL still there for it), MULTI/EXEC applied whole at EXEC,
// REPLCONF GETACK answered, an ACK every second; it is relayed to sub-replicas as it came. A broken link
// is retried every second with PSYNC from where the stream stopped, so the primary continues it from its
// backlog. Until the link is up the engine keeps its data, refuses writes as a read-only replica, reports
// its link down and, under replica-serve-stale-data no, answers MASTERDOWN. A stand-in engine carries the
// address for INFO and ROLE.
import { Client, discardingConn, type Conn } from './client.ts';
import { call, unknownCommandError } from './dispatch.ts';
import { Engine } from './engine.ts';
import { loadFullSliced } from './replication-port.ts';
import { replIdOf, setReplId, shiftReplId } from './repl-id.ts';
import { restartBacklog, streamOffsetOf } from './repl-backlog.ts';
import { ReplFeed } from './repl-feed.ts';
import { ReplicationClient } from './replication-client.ts';

/** The link of each stand-in primary. */
const links = new WeakMap<Engine, NetworkLink>();

/** Whether `e` already follows the server at host:port over the network. */
export function followsAddress(e: Engine, host: string, port: number): boolean {
  const current = e.replication.primary;
  return current !== null && links.has(current) && current.address === `${host}:${port}`;
}

/** Makes `e` a replica of the server at host:port; false when it already follows that address. */
export function followAddress(e: Engine, host: string, port: number): boolean {
  const address = `${host}:${port}`;
  if (followsAddress(e, host, port)) return false;
  e.replicaOf(null);
  // Not started: it runs no cron and holds nothing but the address.
  const standIn = new Engine({ clock: e.clock, mode: e.mode, version: e.version });
  standIn.address = address;
  e.replication.primary = standIn;
  e.replication.linkLost();
  const link = new NetworkLink(e, standIn, host, port);
  links.set(standIn, link);
  standIn.remote = { letGo: () => link.stop(), lastIo: () => link.lastIo(), syncing: () => link.syncing };
  return true;
}

/**
 * REPLICAOF NO ONE on a replica of an address: as 7.0's replicationUnsetMaster, the stream it followed
 * becomes replid2 (a sibling could continue from it up to here) and a new history begins.
 */
export function promoteFromAddress(e: Engine): void {
  const current = e.replication.primary;
  if (current === null || !links.has(current)) return e.replicaOf(null);
  e.replicaOf(null);
  shiftReplId(e, e.replication.offset + streamOffsetOf(e) + 1);
  // Sub-replicas reconnect and continue under the new ID; this engine's own stream starts with a SELECT.
  e.feed?.dropLinks();
  e.feed?.forgetSelected();
}

/** A bare engine's link to a primary at an address: a ReplicationClient, connected again every second while down. */
class NetworkLink {
  private client: ReplicationClient | null = null;
  /** Whether the stream is being applied (after a full sync's load, or a +CONTINUE). */
  private streaming = false;
  /** From +FULLRESYNC until the dataset is loaded. */
  syncing = false;
  /** The stream this engine continues: the primary's replication ID, and the offset it processed. */
  private replId: string;
  private offset: number;
  private master: Client;
  /** Commands of a MULTI not yet ended by its EXEC (the offset moves past them at EXEC). */
  private multi: string[][] | null = null;
  /** Commands waiting for a script running on this replica to end: a script is atomic. */
  private readonly waiting: [string[], Buffer][] = [];
  private readonly cron: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly e: Engine,
    private readonly standIn: Engine,
    private readonly host: string,
    private readonly port: number,
  ) {
    // As 7.0's replicationCacheMasterUsingMyself: the first PSYNC offers this engine's own history.
    this.replId = replIdOf(e);
    this.offset = e.replication.offset + streamOffsetOf(e);
    // Until the stream runs: what the first full sync's repl-stream-db selects.
    this.master = new Client(e, 0, discardingConn(`${host}:${port}`, '127.0.0.1:0'));
    this.cron = setInterval(() => this.tick(), 1000);
    this.cron.unref();
    setImmediate(() => this.connect());
  }

  lastIo(): number {
    return this.client?.lastIo ?? Date.now();
  }

  private following(): boolean {
    return !this.stopped && this.e.replication.primary === this.standIn;
  }

  /** REPLICAOF elsewhere, NO ONE, or the engine stopped: the link closes; the engine keeps the offset it reached. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.cron);
    this.client?.close();
    this.client = null;
    this.flushWaiting();
    if (this.master.isPrimary && !this.master.closed) this.e.removeClient(this.master);
    const feed = this.e.feed;
    if (feed !== null) feed.relayDb = null;
    this.e.replication.offset = this.offset - streamOffsetOf(this.e);
  }

  /** Once a second, as replicationCron: connect when down, ACK when streaming, give up a silent link after repl-timeout. */
  private tick(): void {
    if (!this.following()) return this.stop();
    const c = this.client;
    if (c === null) return this.connect();
    if (!this.streaming) return;
    const timeout = Number(this.e.config.get('repl-timeout') ?? 60) * 1000;
    if (Date.now() - c.lastIo > timeout) return this.drop();
    c.ack(this.offset);
  }

  private connect(): void {
    if (!this.following() || this.client !== null) return;
    const cfg = this.e.config;
    const password = cfg.get('masterauth') ?? '';
    const ip = cfg.get('replica-announce-ip') ?? '';
    const client: ReplicationClient = new ReplicationClient(
      this.host,
      this.port,
      {
        listeningPort: Number(cfg.get('replica-announce-port') ?? 0) || cfg.port,
        announceIp: ip !== '' ? ip : undefined,
        auth: password !== '' ? { user: cfg.get('masteruser') ?? '', password } : undefined,
        psync: () => [this.replId, this.offset + 1],
      },
      {
        fullSync: (rdb, id, offset) => this.fullSync(client, rdb, id, offset),
        transfer: () => (this.syncing = true),
        continued: (id) => this.continued(client, id),
        command: (args, raw) => this.command(args, raw),
        ended: () => {
          if (this.client === client) this.drop();
        },
      },
    );
    this.client = client;
  }

  /** +FULLRESYNC: sub-replicas must resync too, and the backlog holds the new stream from its offset on. */
  private async fullSync(client: ReplicationClient, rdb: Buffer, id: string, offset: number): Promise<boolean> {
    this.e.feed?.dropLinks();
    const live = () => this.client === client && this.following();
    const aux = new Map<string, Buffer>();
    const loaded = await loadFullSliced(this.e, rdb, live, aux);
    this.syncing = false;
    if (!loaded) return false;
    this.replId = id;
    this.offset = offset;
    setReplId(this.e, id);
    this.relaying().restart(offset);
    // The database the stream continues in, as the primary's RDB says (a replica's primary relays without a SELECT).
    const db = Number(aux.get('repl-stream-db')?.toString('latin1') ?? 0);
    this.master.dbIndex = Number.isInteger(db) && db >= 0 && db < this.e.ks.dbs.length ? db : 0;
    this.streamingNow(client);
    return true;
  }

  /** +CONTINUE: the backlog goes on; under a new ID (the primary was promoted) the old one becomes replid2 and sub-replicas learn it. */
  private continued(client: ReplicationClient, id: string | null): void {
    const feed = this.relaying();
    if (id !== null && id !== this.replId) {
      shiftReplId(this.e, this.offset + 1);
      this.replId = id;
      feed.dropLinks();
    }
    setReplId(this.e, this.replId);
    this.streamingNow(client);
  }

  /** The engine's feed, relaying this stream (made, with a backlog at the offset reached, if there is none). */
  private relaying(): ReplFeed {
    const e = this.e;
    e.feed ??= new ReplFeed(e, restartBacklog(e, this.offset));
    e.feed.relayDb = () => this.master.dbIndex;
    return e.feed;
  }

  private streamingNow(client: ReplicationClient): void {
    // The stream runs on a client CLIENT LIST shows and CLIENT KILL closes (the link then drops and
    // reconnects with PSYNC), in the database the stream has selected so far.
    const db = this.master.dbIndex;
    const e = this.e;
    const conn: Conn = {
      write: () => undefined,
      end: () => this.killed(client),
      destroy: () => this.killed(client),
      writableLength: 0,
      pauseReading: () => undefined,
      resumeReading: () => undefined,
      remote: `${this.host}:${this.port}`,
      local: client.localAddress,
    };
    this.master = e.addPrimaryClient(conn);
    this.master.dbIndex = db;
    this.streaming = true;
    this.e.replication.linkUp = true;
    this.e.replication.offset = this.offset;
    client.ack(this.offset);
  }

  /** CLIENT KILL of the primary's client. */
  private killed(client: ReplicationClient): void {
    if (this.client === client) this.drop();
  }

  /** The link went: retried at the next tick, from the offset processed so far. */
  private drop(): void {
    const c = this.client;
    this.client = null;
    if (this.master.isPrimary && !this.master.closed) this.e.removeClient(this.master);
    this.streaming = false;
    this.syncing = false;
    this.flushWaiting();
    // A transaction cut short is dropped, as 7.0 discards a cached master's: it comes again from its MULTI.
    this.multi = null;
    c?.close();
    if (this.e.replication.linkUp) this.e.replication.linkLost();
  }

  private command(args: string[], raw: Buffer): void {
    if (this.waiting.length !== 0 || this.e.scripting.running !== null) {
      this.waiting.push([args, raw]);
      if (this.waiting.length === 1) this.waitForScript();
      return;
    }
    this.run(args, raw);
    this.e.replication.offset = this.offset;
  }

  private waitForScript(): void {
    setTimeout(() => {
      if (this.e.scripting.running !== null) return this.waitForScript();
      this.flushWaiting();
    }, 1).unref();
  }

  private flushWaiting(): void {
    for (const [args, raw] of this.waiting.splice(0)) this.run(args, raw);
    this.e.replication.offset = this.offset;
  }

  /**
   * One command of the stream; the offset moves past it once it ran (inside MULTI: at its EXEC, as 7.0's
   * reploff), and what moved the offset goes on to the backlog and sub-replicas as it came.
   */
  private run(args: string[], raw: Buffer): void {
    const name = (args[0] ?? '').toLowerCase();
    if (this.multi !== null) {
      this.multiRaw.push(raw);
      if (name !== 'exec' && name !== 'discard') {
        this.multi.push(args);
        return;
      }
      const queued = this.multi;
      this.multi = null;
      if (name === 'exec') for (const q of queued) this.replay(q);
      this.advance(Buffer.concat(this.multiRaw.splice(0)));
      return;
    }
    if (name === 'multi') {
      this.multi = [];
      this.multiRaw = [raw];
      return;
    }
    // The ACK tells the offset before the GETACK itself.
    if (name === 'replconf' && (args[1] ?? '').toLowerCase() === 'getack') this.client?.ack(this.offset);
    else if (name !== 'ping' && name !== '') this.replay(args);
    this.advance(raw);
  }

  private advance(raw: Buffer): void {
    this.offset += raw.length;
    this.e.feed?.relay(raw);
  }

  /** The bytes of the MULTI being gathered, counted and relayed at its EXEC. */
  private multiRaw: Buffer[] = [];

  /** Runs one command of the primary's as a command of this engine's (commandstats, keyspace events, MONITOR, blocked clients served), its reply dropped. */
  private replay(args: string[]): void {
    const e = this.e;
    const def = e.lookup(args[0] as string);
    if (def === undefined) {
      e.notice(`== CRITICAL == This replica is sending an error to its master: '${unknownCommandError(args)}' after processing the command '<unknown>'`);
      return;
    }
    const link = this.master;
    link.lastInteraction = e.clock.now();
    const errors = e.totalErrors;
    e.ks.applyingPrimary = true;
    try {
      call(e, link, def, args);
    } finally {
      e.ks.applyingPrimary = false;
    }
    const reply = link.w.take();
    // An error means the data diverged (a writable replica changed the key): 7.0 logs it, as here.
    if (e.totalErrors !== errors && reply !== null && reply[0] === 45) {
      const text = reply.latin1Slice(1, Math.max(1, reply.indexOf('\r\n')));
      e.notice(`== CRITICAL == This replica is sending an error to its master: '${text}' after processing the command '${def.name}'`);
    }
  }
}
