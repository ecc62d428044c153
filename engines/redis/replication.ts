// In-process replication between engines of the same process (how the emulator runs a
// replication group's nodes), effects-style like Redis 7:
// - a write whose effect a replica reproduces exactly by running it on the same state (LPUSH, HSET,
//   ZADD, XADD with the ID it got, ...) reaches a replica on this thread right after it ran on the
//   primary, as the keys it changed: the replica takes over the primary's changed object
//   (replication-share.ts), so its cost is a key lookup, not the command's work again; a replica in
//   another thread gets the command itself and runs it;
// - every other change (SPOP, EXPIRE, served blocking pops, expiry, eviction, script effects that are
//   not such commands) ships the resulting state of the changed key, batched once per event loop turn.
//   A key copy always brings the replica's key to the primary's current state, so a replayed command
//   that ran on a key whose copy was still pending is made right by that copy.
import type { MessagePort } from 'node:worker_threads';
import type { BlockState, Client } from './client.ts';
import { keyPositions, type CommandDef } from './command-table.ts';
import { viewOf } from './db/keydict.ts';
import { DB_COUNT, type Database } from './db/keyspace.ts';
import type { Engine } from './engine.ts';
import { idText } from './types/stream.ts';
import { ackOf, LinkFault, linkViewOf, type LinkView, type ReplicaAck } from './replication-link.ts';
import { keyItem, PortReplica, type StreamItem } from './replication-port.ts';
import { engineRdbChunks } from './rdb/node-rdb.ts';
import { holdWrites } from './hold-writes.ts';
import { pauseAll } from './sliced.ts';
import { mirrorKey, unshareAll, unshareAllSliced, unshareKey, valueFor } from './replication-share.ts';
import { announce, backlogLimit, HeldEvents, isRelayedMessage, replicaEvent, type KeyEvent } from './replica-events.ts';
import type { NotifyTap } from './notify.ts';
import { drainSliced, eachInSteps, runSteps, SLICE_MS, slice, type Steps } from '../slices.ts';

/** Writes that, run on the same state, give the same state and use no clock or randomness. */
const REPLAYABLE = new Set([
  'lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'lset', 'lrem', 'linsert', 'ltrim', 'lmove', 'rpoplpush', 'lmpop',
  'hset', 'hsetnx', 'hmset', 'hdel', 'hincrby', 'hincrbyfloat',
  'sadd', 'srem', 'smove',
  'zadd', 'zincrby', 'zrem', 'zremrangebyscore', 'zremrangebyrank', 'zremrangebylex', 'zpopmin', 'zpopmax', 'zmpop',
  'xadd', 'xdel', 'xtrim',
  'incr', 'decr', 'incrby', 'decrby', 'append', 'setrange', 'setnx', 'mset', 'msetnx',
]);

/** A full copy under way: the hold on the replica's clients, once it outlasted a slice. */
interface FullCopy {
  release: (() => void) | null;
}

/** A client blocked in WAIT: it needs `wanted` replicas to have acknowledged `offset` (SYNC clients: `replOff`). */
interface Waiter {
  c: Client;
  block: BlockState | null;
  offset: number;
  replOff: number;
  wanted: number;
}

export class Replication {
  readonly replicas = new Set<Engine>();
  /** Replicas in another thread, fed over a MessagePort (replication-port.ts). */
  readonly remotes = new Set<PortReplica>();
  /** This turn's stream for the replicas in other threads (the same for all of them). */
  private remoteItems: StreamItem[] = [];
  /** Set on a replica: the engine it follows. */
  primary: Engine | null = null;
  /** False once the primary went away (the replica keeps its data, read-only, until promoted). */
  linkUp = true;
  /** When the link went away (engine clock), for master_link_down_since_seconds. */
  private downAt = 0;
  /** Monotonic count of shipped changes, reported as the replication offset. */
  offset = 0;
  private pending = new Map<string, [number, string]>();
  private fullResync = false;
  private scheduled = false;
  /** Nesting of replayable commands running now: their key changes travel as the command. */
  private shipping = 0;
  /**
   * Changes held back from a replica while it runs a script (a script is atomic: Redis reads the
   * master stream only after it). Keys to copy when the script ends, or null for a full copy.
   */
  private readonly held = new Map<Engine, Map<string, [number, string]> | null>();
  /** Replicas whose link the fault API cut or delays: their changes wait there. */
  private readonly faults = new Map<Engine, LinkFault>();
  private readonly waiters = new Set<Waiter>();
  /** Holding replicas that already got copies of everything (keepHeldApart), until their script ends. */
  private readonly apart = new Set<Engine>();

  /** This turn's keyspace events, as the replicas announce them once they have the writes (replica-events.ts). */
  private events: KeyEvent[] = [];
  /** How many of `events` are relayed PUBLISH messages. */
  private relayed = 0;
  /** Events held for replicas running a script, with the changes held for them. */
  private readonly heldEvents = new Map<Engine, HeldEvents>();
  private readonly tap: NotifyTap = {
    wanted: () => this.eventsWanted(),
    event: (cls, name, db, key) => {
      if (!this.eventsWanted()) return;
      const ev = replicaEvent(cls, name, db, key);
      if (ev === null) return;
      this.events.push(ev);
      if (this.remotes.size !== 0) this.remoteItems.push([2, ...ev]);
      this.schedule();
    },
  };

  constructor(private readonly engine: Engine) {}

  /** Whether a replica would announce events: its own flags, or replicas of its own that would. */
  private eventsWanted(): boolean {
    for (const r of this.replicas) if (r.notifying) return true;
    for (const p of this.remotes) if (p.wantsEvents) return true;
    return false;
  }

  get hasReplicas(): boolean {
    return this.replicas.size !== 0 || this.remotes.size !== 0;
  }

  /** Starts feeding a replica in another thread through `port`, after a full copy. */
  attachPort(port: MessagePort, address: string): void {
    this.flushNow();
    const remote = new PortReplica(
      port,
      address,
      () => this.wakeWaiters(),
      () => {
        this.remotes.delete(remote);
        this.hook();
      },
    );
    this.remotes.add(remote);
    this.sendFull([remote]);
    this.hook();
  }

  /**
   * A full sync to replicas in other threads: an RDB file of the dataset, made in slices (a million keys
   * take seconds) while this node's writes wait, so the file is one instant and the stream posted after it
   * starts there. Should a write slip in anyway (the hold's time limit), the file is made again. Under a
   * pause already on (CLIENT PAUSE, a sliced command), whose end this cannot hold, it is made at once.
   */
  private sendFull(ports: PortReplica[]): void {
    const post = (rdb: Buffer) => {
      for (const p of ports) if (this.remotes.has(p)) p.full(rdb, this.offset);
    };
    if (this.engine.pause !== null) {
      post(Buffer.concat([...engineRdbChunks(this.engine)]));
      return;
    }
    const release = holdWrites([this.engine]);
    const make = (): void => {
      const from = this.offset;
      const chunks: Buffer[] = [];
      drainSliced(engineRdbChunks(this.engine), (b) => chunks.push(b)).then(
        () => {
          if (this.offset !== from) return make();
          post(Buffer.concat(chunks));
          release();
        },
        // A value the encoder refuses would have failed the one-turn dump too: the replicas get nothing.
        release,
      );
    };
    make();
  }

  /** The primary stops: its replicas in other threads see their link go down. */
  closePorts(): void {
    for (const r of [...this.remotes]) r.close();
    this.remotes.clear();
    this.remoteItems = [];
    this.hook();
  }

  /** Starts shipping this engine's changes to `replica`, after a full copy. */
  attach(replica: Engine): void {
    this.flushNow();
    replica.replication.linkUp = true;
    replica.replication.downAt = 0;
    this.replicas.add(replica);
    replica.scripting.functions.mirror(this.engine.scripting.functions);
    this.hook();
    this.fullSync(replica);
  }

  /** Replicas whose full copy is still under way, each with its walk: they acknowledge nothing until it ends. */
  private readonly syncing = new Map<Engine, FullCopy>();

  /**
   * A million keys take seconds to hand over, longer than any node may hold the event loop: the copy
   * walks the primary's keys in slices while the replica already gets every change made meanwhile (a key
   * changed before the walk reaches it is copied again, at its newer state; one deleted is not met). A
   * small dataset is copied at once, as it always was. A replica that already had data (a resync after
   * SWAPDB or FLUSHALL, a script's catch-up, a restored link: `holdClients`) keeps its clients waiting
   * while the walk lasts, as redis-server's replica serves no command while it loads a new dataset: none
   * of them sees it half copied. A new copy started meanwhile takes over the walk and its hold.
   */
  private fullSync(replica: Engine, holdClients = false): void {
    const previous = this.syncing.get(replica);
    const copy: FullCopy = { release: previous?.release ?? null };
    if (previous !== undefined) previous.release = null;
    this.syncing.set(replica, copy);
    for (const db of replica.ks.dbs) db.flush();
    const self = this;
    function* keys(): Generator<[number, string]> {
      for (let i = 0; i < DB_COUNT; i++) {
        const src = self.engine.ks.dbs[i];
        if (src === undefined) continue;
        for (const key of src.dict.keys()) {
          if (self.syncing.get(replica) !== copy) return;
          yield [i, key];
        }
      }
    }
    const walk = keys();
    const slice = (): void => {
      const end = performance.now() + SLICE_MS;
      for (;;) {
        const r = walk.next();
        if (r.done === true) break;
        this.copyKey(replica, r.value[0], r.value[1]);
        if (performance.now() >= end) {
          if (holdClients && copy.release === null) copy.release = pauseAll(replica);
          setImmediate(slice);
          return;
        }
      }
      copy.release?.();
      copy.release = null;
      if (this.syncing.get(replica) !== copy) return;
      this.syncing.delete(replica);
      if (this.replicas.has(replica)) {
        replica.replication.offset = this.offset;
        this.wakeWaiters();
      }
    };
    slice();
  }

  /** Whether `replica`'s full copy is still under way (a redis-server replica still loading its primary's RDB). */
  copying(replica: Engine): boolean {
    return this.syncing.has(replica);
  }

  /**
   * Stops feeding `replica`. It keeps its data, in objects of its own: from now on either side may
   * change its values (`following`: it is about to take another primary's data instead).
   */
  detach(replica: Engine, following = false): void {
    if (!this.replicas.has(replica)) return;
    this.flushNow();
    this.faults.get(replica)?.dispose();
    this.faults.delete(replica);
    this.replicas.delete(replica);
    this.syncing.get(replica)?.release?.();
    this.syncing.delete(replica);
    this.held.delete(replica);
    this.heldEvents.delete(replica);
    this.apart.delete(replica);
    if (!following) unshareAllSliced(this.engine, replica);
    this.hook();
  }

  /** Keyspace changes only cost anything while replicas are attached. */
  private hook(): void {
    const ks = this.engine.ks;
    const tap = this.hasReplicas ? this.tap : null;
    if (this.engine.notifyTap !== tap) this.engine.retap(tap);
    if (!this.hasReplicas) {
      ks.onReplicate = null;
      ks.onReplicateReset = null;
      this.pending.clear();
      this.remoteItems = [];
      this.events = [];
      this.relayed = 0;
      return;
    }
    ks.onReplicate = (db, key) => {
      if (this.shipping !== 0) return;
      this.pending.set(`${db}\0${key}`, [db, key]);
      this.schedule();
    };
    ks.onReplicateReset = () => {
      this.fullResync = true;
      this.schedule();
    };
  }

  /**
   * Called by dispatch before a write runs while replicas are attached: true when the command will be
   * shipped as itself (then afterWrite must follow). A key with a TTL goes by copy, as its expiry
   * may strike on one side first.
   */
  beforeWrite(def: CommandDef, args: string[], dbIndex: number): boolean {
    if (this.replicas.size !== 0) this.keepHeldApart(def, args, dbIndex);
    // SET with no option (EX, PX, GET, ...) is as deterministic as INCR; with options it goes by copy.
    if (!REPLAYABLE.has(def.name) && !(def.name === 'set' && args.length === 3)) return false;
    const db = this.engine.ks.dbs[dbIndex];
    if (db === undefined) return false;
    if (db.expires.size !== 0) for (const p of keyPositions(def, args)) if (db.expires.has(args[p] as string)) return false;
    this.shipping++;
    return true;
  }

  afterWrite(def: CommandDef, args: string[], dbIndex: number, changed: boolean): void {
    this.shipping--;
    if (!changed || !this.hasReplicas) return;
    this.offset++;
    if (this.remotes.size !== 0) {
      this.remoteItems.push([0, dbIndex, def.name === 'xadd' ? this.withAssignedId(args, dbIndex) : args]);
      this.schedule();
    }
    const from = this.engine.ks.dbs[dbIndex] as Database;
    for (const r of this.replicas) {
      const fault = this.faults.get(r);
      if (fault !== undefined) {
        this.lagBehind(r, fault, keyPositions(def, args).map((p) => [dbIndex, args[p] as string]));
        continue;
      }
      // Only a replica running a script holds changes: the common path builds no key list.
      if (this.holding(r) && this.hold(r, keyPositions(def, args).map((p) => [dbIndex, args[p] as string]))) continue;
      const to = r.ks.dbs[dbIndex] as Database;
      if (def.firstKey === 1 && def.lastKey === 1 && def.keysOf === undefined) mirrorKey(from, to, args[1] as string);
      else for (const p of keyPositions(def, args)) mirrorKey(from, to, args[p] as string);
      r.replication.offset = this.offset;
    }
  }

  /**
   * A replica whose script is suspended mid-run must not see this write until the script ends: it
   * gets its own copies of the keys the write names first. A write can also serve a client blocked
   * on the primary and change keys it does not name (BLMOVE's destination): with such clients about,
   * the replica gets copies of everything.
   */
  private keepHeldApart(def: CommandDef, args: string[], dbIndex: number): void {
    for (const r of this.replicas) {
      if (!this.holding(r) || this.apart.has(r)) continue;
      if (this.engine.ks.blockedOn.size === 0) {
        for (const p of keyPositions(def, args)) unshareKey(this.engine, r, dbIndex, args[p] as string);
        continue;
      }
      unshareAll(this.engine, r);
      this.apart.add(r);
    }
  }

  /** A replica that must not share the primary's objects now: its link is faulted or its script holds changes back. */
  private diverging(replica: Engine): boolean {
    return this.faults.has(replica) || this.holding(replica);
  }

  private holding(replica: Engine): boolean {
    return replica.scripting.running !== null || this.held.has(replica);
  }

  /** While `replica` runs a script, remembers what it must catch up on afterwards; true when held. */
  private hold(replica: Engine, changes: [number, string][] | null): boolean {
    if (!this.holding(replica)) return false;
    const keys = this.held.get(replica);
    if (changes === null) this.held.set(replica, null);
    else if (keys !== null) {
      const map = keys ?? new Map<string, [number, string]>();
      for (const [db, key] of changes) map.set(`${db}\0${key}`, [db, key]);
      this.held.set(replica, map);
    }
    return true;
  }

  /** A replica's script ended: it takes what the primary changed meanwhile. */
  catchUp(replica: Engine): void {
    this.apart.delete(replica);
    const events = this.heldEvents.get(replica)?.take() ?? [];
    this.heldEvents.delete(replica);
    if (!this.held.has(replica)) return announce(replica, events);
    const keys = this.held.get(replica);
    this.held.delete(replica);
    if (!this.replicas.has(replica)) return;
    if (keys === null || keys === undefined) {
      this.fullSync(replica, true);
      return announce(replica, events);
    }
    for (const [db, key] of keys.values()) this.copyKey(replica, db, key);
    replica.replication.offset = this.offset;
    this.wakeWaiters();
    announce(replica, events);
  }

  /** XADD with * (or ms-*) becomes XADD with the ID the primary gave the entry. */
  private withAssignedId(args: string[], dbIndex: number): string[] {
    let i = 2;
    for (;;) {
      const a = (args[i] ?? '').toLowerCase();
      if (a === 'nomkstream') i++;
      else if (a === 'maxlen' || a === 'minid') {
        i++;
        if (args[i] === '=' || args[i] === '~') i++;
        i++;
      } else if (a === 'limit') i += 2;
      else break;
    }
    const id = args[i];
    if (id === undefined || !id.endsWith('*')) return args;
    const o = this.engine.ks.dbs[dbIndex]?.peek(args[1] as string);
    if (o === null || o === undefined || o.type !== 'stream') return args;
    const out = args.slice();
    out[i] = idText(o.v.lastId);
    return out;
  }

  /** Sliced writes under way: what they change ships once the last of them ends (holdShipping). */
  private shippingHolds = 0;

  /**
   * A write spread over slices (DEL of a million keys) must reach the replicas whole: nothing ships
   * while it runs, and the returned release ships what it changed, in slices, then calls `done`. The
   * caller keeps the replicas on this thread paused until then (they share the values being changed).
   */
  holdShipping(): (done: () => void) => void {
    this.shippingHolds++;
    return (done) => {
      this.shippingHolds--;
      if (this.shippingHolds !== 0 || this.fullResync || this.pending.size === 0) {
        this.flushNow();
        done();
        return;
      }
      const work = this.shipSteps(this.takePending());
      const step = (): void => {
        if (!slice(work)) {
          setImmediate(step);
          return;
        }
        this.flushNow();
        done();
      };
      step();
    };
  }

  private schedule(): void {
    if (this.scheduled || this.shippingHolds !== 0) return;
    this.scheduled = true;
    setImmediate(() => this.flushNow());
  }

  /** Ships everything pending now (WAIT uses this to report replicas as caught up). */
  flushNow(): void {
    this.scheduled = false;
    if (!this.hasReplicas || this.shippingHolds !== 0) return;
    this.flushLocal();
    if (this.events.length !== 0) this.announceLocal();
    if (this.remoteItems.length === 0) return;
    const items = JSON.stringify(this.remoteItems);
    this.remoteItems = [];
    for (const p of this.remotes) p.post(items, this.offset);
  }

  private flushLocal(): void {
    if (this.fullResync) {
      this.fullResync = false;
      // Counted as writeOffset promised the clients that wrote meanwhile.
      this.offset += 1 + this.pending.size;
      this.pending.clear();
      for (const r of this.replicas) {
        const fault = this.faults.get(r);
        if (fault !== undefined) this.lagBehind(r, fault, null);
        else if (!this.hold(r, null)) this.fullSync(r, true);
      }
      if (this.remotes.size !== 0) {
        this.remoteItems = [];
        this.sendFull([...this.remotes]);
      }
      return;
    }
    if (this.pending.size === 0) return;
    runSteps(this.shipSteps(this.takePending()));
  }

  /** This turn's events, to each replica on this thread that has the writes (the others hold them with the writes). */
  private announceLocal(): void {
    const events = this.events;
    const relayed = this.relayed;
    this.events = [];
    this.relayed = 0;
    for (const r of this.replicas) {
      // A replica announcing no keyspace events still relays PUBLISH to its subscribers.
      const mine = r.notifying ? events : relayed === 0 ? null : events.filter(isRelayedMessage);
      if (mine === null) continue;
      const fault = this.faults.get(r);
      if (fault !== undefined) {
        fault.pushEvents(this.engine.clock.now(), this.offset, mine, backlogLimit(this.engine)());
        this.armDelivery(r, fault);
      } else if (this.holding(r)) this.holdEvents(r, mine);
      else announce(r, mine);
    }
  }

  /**
   * PUBLISH / SPUBLISH outside cluster mode: redis-server 7.0 propagates them, so a replica's subscribers
   * get the message after the writes that preceded it, over the same link (cut, delayed, chained).
   */
  relayPublish(kind: 'publish' | 'spublish', channel: string, message: string): void {
    if (!this.hasReplicas) return;
    const item: KeyEvent = [-1, kind, channel, message];
    this.events.push(item);
    this.relayed++;
    if (this.remotes.size !== 0) this.remoteItems.push([2, ...item]);
    this.schedule();
  }

  private holdEvents(replica: Engine, events: readonly KeyEvent[]): void {
    if (events.length === 0) return;
    let held = this.heldEvents.get(replica);
    if (held === undefined) this.heldEvents.set(replica, (held = new HeldEvents(backlogLimit(this.engine))));
    held.add(events);
  }

  /** The keys changed since the last shipping, as a table of their own (a sliced write's million: not copied into an array). */
  private takePending(): Map<string, [number, string]> {
    const changes = this.pending;
    this.pending = new Map();
    return changes;
  }

  /** Ships `changes` (keys to copy) to every replica, a few keys a step. */
  private *shipSteps(changes: Map<string, [number, string]>): Steps<void> {
    this.offset += changes.size;
    const offset = this.offset;
    if (this.remotes.size !== 0) for (const [db, key] of changes.values()) this.remoteItems.push(keyItem(this.engine, db, key));
    for (const r of this.replicas) {
      const fault = this.faults.get(r);
      if (fault !== undefined) {
        this.lagBehind(r, fault, [...changes.values()]);
        continue;
      }
      if (this.holding(r) && this.hold(r, [...changes.values()])) continue;
      // A key a step, as the write that changed them took: slice() reads its clock every 64 steps, and a
      // deletion on the replica may move 256 slots of its key table (a compaction step, tens of us). At 64
      // keys a step, the replica's half of a DEL of 400k keys held the loop 130-300 ms in one slice.
      yield* eachInSteps(changes.values(), ([db, key]) => this.copyKey(r, db, key), 1);
      r.replication.offset = offset;
    }
  }

  /** The offset a client's write just now brings the stream to, once shipped (WAIT waits for it). */
  get writeOffset(): number {
    return this.offset + this.pending.size + (this.fullResync ? 1 : 0);
  }

  // --- links held back by the fault API ---

  /** Cuts `replica`'s link (delayMs null), delays it, or (fault null) restores it, delivering what it missed. */
  setLinkFault(replica: Engine, fault: { delayMs: number | null } | null): void {
    if (!this.replicas.has(replica)) return;
    this.flushNow();
    const old = this.faults.get(replica);
    if (old !== undefined) {
      old.dispose();
      this.faults.delete(replica);
      const missed = old.take(Infinity);
      if (missed !== null) {
        const keys = missed.keys === null ? null : [...missed.keys];
        if (!this.hold(replica, keys)) {
          this.apply(replica, keys, missed.offset);
          announce(replica, missed.events);
        } else this.holdEvents(replica, missed.events);
      }
    }
    if (fault === null) return;
    // What the primary writes from now on reaches the replica late, or not at all: it first takes copies
    // of the values it shares, in slices while the primary's writes wait.
    unshareAllSliced(this.engine, replica);
    this.faults.set(replica, new LinkFault(fault.delayMs, this.engine.clock.now()));
  }

  private lagBehind(replica: Engine, fault: LinkFault, keys: [number, string][] | null): void {
    fault.push(this.engine.clock.now(), this.offset, keys);
    this.armDelivery(replica, fault);
  }

  private armDelivery(replica: Engine, fault: LinkFault): void {
    const due = fault.nextDue();
    if (fault.timer !== null || due === null) return;
    // The deadline is on the engine clock; the timer only says when to look again.
    const wait = Math.min(Math.max(1, due - this.engine.clock.now()), 1000);
    fault.timer = setTimeout(() => {
      fault.timer = null;
      if (this.faults.get(replica) !== fault) return;
      // A replica running a script reads the stream after it, as with an intact link.
      if (!this.holding(replica)) {
        const now = this.engine.clock.now();
        const got = fault.take(now);
        if (got !== null) {
          this.apply(replica, got.keys === null ? null : [...got.keys], got.offset);
          fault.lastDelivery = now;
          announce(replica, got.events);
        }
      }
      this.armDelivery(replica, fault);
    }, wait);
    fault.timer.unref?.();
  }

  /** Brings `replica` to the primary's state for these keys (null: all) and to `offset`. */
  private apply(replica: Engine, keys: [number, string][] | null, offset: number): void {
    if (keys === null) {
      this.fullSync(replica, true);
      return;
    }
    for (const [db, key] of keys) this.copyKey(replica, db, key);
    replica.replication.offset = offset;
    this.wakeWaiters();
  }

  // --- what each side shows ---

  /** The replicas this primary counts as connected, each with its acknowledged offset and lag. */
  acks(): [{ readonly address: string }, ReplicaAck][] {
    const now = this.engine.clock.now();
    const timeout = Number(this.engine.config.get('repl-timeout') ?? 60);
    const out: [{ readonly address: string }, ReplicaAck][] = [];
    for (const p of this.remotes) out.push([p, { offset: p.offset, lag: 0 }]);
    for (const r of this.replicas) {
      const ack = ackOf(this.syncing.has(r) ? 0 : r.replication.offset, this.faults.get(r), now, timeout);
      if (ack !== null) out.push([r, ack]);
    }
    return out;
  }

  /**
   * WAIT's count: in-process replicas that acknowledged `offset`, and SYNC clients (a real replica's
   * REPLCONF ACK) that acknowledged `replOff`, the stream's offset after the client's last command.
   */
  ackedReplicas(offset: number, replOff: number): number {
    let n = this.engine.feed?.acked(replOff) ?? 0;
    for (const [, ack] of this.acks()) if (ack.offset >= offset) n++;
    return n;
  }

  /** Blocks `c` until `wanted` replicas acknowledged its last write, or for `timeoutMs` (0: no limit). */
  waitForAcks(c: Client, wanted: number, timeoutMs: number): void {
    const waiter: Waiter = { c, block: null, offset: c.woff, replOff: c.replOff, wanted };
    this.waiters.add(waiter);
    this.engine.block(c, [], timeoutMs, {
      tryServe: () => false,
      onTimeout: () => {
        this.waiters.delete(waiter);
        c.w.int(this.ackedReplicas(waiter.offset, waiter.replOff));
      },
    });
    waiter.block = c.blocked;
    // SYNC clients are asked for an ACK, as redis-server asks its replicas (REPLCONF GETACK).
    this.engine.feed?.requestAck();
  }

  /** A SYNC client acknowledged an offset: WAITs it satisfies answer. */
  acksChanged(): void {
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) {
      // Gone, or unblocked some other way.
      if (w.c.blocked !== w.block || w.c.closed) {
        this.waiters.delete(w);
        continue;
      }
      const n = this.ackedReplicas(w.offset, w.replOff);
      if (n < w.wanted) continue;
      this.waiters.delete(w);
      w.c.w.int(n);
      this.engine.unblock(w.c);
      this.engine.resume(w.c);
    }
  }

  /** This replica's primary went away. */
  linkLost(): void {
    this.linkUp = false;
    this.downAt = this.engine.clock.now();
  }

  /** How this replica sees its link to its primary. */
  linkView(): LinkView {
    const e = this.engine;
    const primary = this.primary;
    const pingSeconds = Number(primary?.config.get('repl-ping-replica-period') ?? 10);
    const timeout = Number(e.config.get('repl-timeout') ?? 60);
    // A primary elsewhere (network-replica.ts): the last time it sent anything, as master_last_io_seconds_ago.
    const io = primary?.remote?.lastIo();
    if (io !== undefined && this.linkUp) return { up: true, lastIoSeconds: Math.floor((Date.now() - io) / 1000), downSeconds: -1 };
    return linkViewOf(this.linkUp, this.downAt, primary?.replication.faults.get(e), e.clock.now(), timeout, pingSeconds);
  }

  private copyKey(replica: Engine, dbIndex: number, key: string): void {
    const src = this.engine.ks.dbs[dbIndex];
    const dst = replica.ks.dbs[dbIndex];
    if (src === undefined || dst === undefined) return;
    const raw = src.dict.getRaw(key);
    if (raw === undefined) {
      // As is: the replica keeps a key past its TTL until this deletion, and must not read it as already gone.
      dst.deleteAsIs(key);
      return;
    }
    dst.set(key, valueFor(viewOf(raw), this.diverging(replica)), false, src.dict.metaOf(key));
    const ttl = src.expires.get(key);
    if (ttl !== undefined) dst.setExpire(key, ttl);
  }
}
