// Server-assisted client-side caching (CLIENT TRACKING), as Redis 7.0 does it:
// - default mode: remember which clients read which keys (by name, across databases) and push an
//   invalidation the moment one changes, then forget the key;
// - BCAST: collect changed keys per prefix and push one message per prefix once the event loop
//   turn ends, skipping keys a NOLOOP client changed itself;
// - invalidations a client causes to itself arrive after the reply of the command that caused them.
import type { Client } from './client.ts';
import type { CommandDef } from './command-table.ts';
import type { Engine } from './engine.ts';
import { pushTo, releaseHeldPushes } from './push.ts';
import { trackedKeys } from './tracking-keys.ts';

export interface TrackingState {
  /** Client id that receives invalidations instead of this one; 0 = this client. */
  redirect: number;
  bcast: boolean;
  prefixes: string[];
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING yes/no for the next command, or null. */
  caching: boolean | null;
}

interface Prefix {
  clients: Set<number>;
  /** Keys changed this turn → the client that changed each first (null: the server, e.g. expiry). */
  changed: Map<string, Client | null>;
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const RO_SCRIPTS = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);
const NULL2 = Buffer.from('$-1\r\n');
const NULL3 = Buffer.from('_\r\n');

export class Tracking {
  /** Key → ids of clients that may have cached it. */
  private readonly keys = new Map<string, Set<number>>();
  private readonly prefixes = new Map<string, Prefix>();
  private broadcastScheduled = false;
  private broadcastAfterSleep = false;
  /** Ids whose redirect target was found gone (TRACKINGINFO shows broken_redirect). */
  readonly brokenRedirect = new Set<number>();
  clientsOn = 0;
  private lastFlushStamp = -1;

  constructor(private readonly engine: Engine) {}

  get active(): boolean {
    return this.clientsOn > 0;
  }

  /** INFO's tracking_total_keys / _items / _prefixes. */
  stats(): { keys: number; items: number; prefixes: number } {
    let items = 0;
    for (const ids of this.keys.values()) items += ids.size;
    return { keys: this.keys.size, items, prefixes: this.prefixes.size };
  }

  /**
   * Prefix overlaps Redis refuses for one client, as its error text; null when none. `refused` false:
   * 7.0.15's checkPrefixCollisionsOrReply returns the index of a prefix that overlaps a later one, which
   * its caller takes for success past the first: the error is sent and tracking is enabled all the same,
   * +OK after it (seed 90858).
   */
  prefixCollision(c: Client, wanted: string[]): { error: string; refused: boolean } | null {
    const overlap = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
    const existing = c.tracking?.bcast ? [...c.tracking.prefixes].sort(byteOrder) : [];
    for (let i = 0; i < wanted.length; i++) {
      const p = wanted[i] as string;
      for (const q of existing) if (overlap(p, q)) return { error: `ERR Prefix '${p}' overlaps with an existing prefix '${q}'. Prefixes for a single client must not overlap.`, refused: true };
      for (let j = i + 1; j < wanted.length; j++) {
        const q = wanted[j] as string;
        if (overlap(p, q)) return { error: `ERR Prefix '${p}' overlaps with another provided prefix '${q}'. Prefixes for a single client must not overlap.`, refused: i === 0 };
      }
    }
    return null;
  }

  /** CLIENT TRACKING ON: options replace the old ones, BCAST prefixes add to those already there. */
  enable(c: Client, state: TrackingState): void {
    const old = c.tracking;
    if (old === null) this.clientsOn++;
    if (state.bcast) {
      const added = state.prefixes.length > 0 ? state.prefixes : [''];
      state.prefixes = old?.bcast ? [...old.prefixes] : [];
      for (const p of added) {
        if (!state.prefixes.includes(p)) state.prefixes.push(p);
        let entry = this.prefixes.get(p);
        if (entry === undefined) this.prefixes.set(p, (entry = { clients: new Set(), changed: new Map() }));
        entry.clients.add(c.id);
      }
    }
    this.brokenRedirect.delete(c.id);
    c.tracking = state;
    this.hook();
  }

  disable(c: Client): void {
    if (c.tracking === null) return;
    for (const [p, entry] of this.prefixes) {
      entry.clients.delete(c.id);
      if (entry.clients.size === 0) this.prefixes.delete(p);
    }
    c.tracking = null;
    this.brokenRedirect.delete(c.id);
    this.clientsOn--;
    this.hook();
  }

  /**
   * Invalidations a pop-like command causes, held by key until redis-server would send them: it signals
   * such a key after the command's event and, for a key it empties, after its del (before it for the
   * sorted-set pops); held: null when not holding.
   */
  private held: Map<string, (() => void)[]> | null = null;
  private heldBeforeDel = false;

  /** Starts holding for the command `name` if it is one of those; true if it did (call releaseHeld after). */
  holdFor(name: string): boolean {
    if (this.clientsOn === 0 || this.held !== null) return false;
    const where = HELD_UNTIL.get(name);
    if (where === undefined) return false;
    this.held = new Map();
    this.heldBeforeDel = where === 'before-del';
    return true;
  }

  get holding(): boolean {
    return this.held !== null;
  }

  /** Publishes a held key's del event with its invalidation on the side redis-server sends it. */
  aroundDel(key: string, publish: () => void): void {
    if (this.heldBeforeDel) this.releaseKey(key);
    publish();
    this.releaseKey(key);
  }

  releaseKey(key: string): void {
    const writes = this.held?.get(key);
    if (writes === undefined) return;
    this.held?.delete(key);
    for (const w of writes) w();
  }

  releaseHeld(): void {
    const held = this.held;
    this.held = null;
    if (held !== null) for (const writes of held.values()) for (const w of writes) w();
  }

  /** The client whose command runs (default mode's NOLOOP): for a script, its caller, as Redis's current_client. */
  private actor(): Client | null {
    return this.engine.scripting.running?.req.caller ?? this.engine.currentClient;
  }

  /**
   * Keyspace changes are only routed here while someone tracks or the table still holds keys, keeping
   * writes cheap otherwise. Tracking off leaves a client's keys in the table (INFO's tracking_total_keys,
   * seed 62297) until a change or a flush takes them out, as redis-server's TrackingTable.
   */
  private hook(): void {
    const ks = this.engine.ks;
    if (this.clientsOn > 0 || this.keys.size > 0) {
      // BCAST's NOLOOP compares with the client that ran the write: a script's own, not its caller.
      ks.onKeyChange = (key, byServer) => this.invalidate(key, byServer ? null : this.engine.currentClient);
      ks.onFlush = () => this.invalidateAll();
    } else {
      ks.onKeyChange = null;
      ks.onFlush = null;
    }
  }

  /** A refused command ends CACHING's one-command window as a run one does: resetClient follows it too (seed 73242). */
  refused(c: Client, def: CommandDef | null): void {
    const t = c.tracking;
    if (t !== null && c.multi === null && def?.fullName.startsWith('client|') !== true) t.caching = null;
  }

  /** After a read-only command: remember the keys it read, honouring OPTIN/OPTOUT and CACHING. */
  afterCommand(c: Client, def: CommandDef, args: string[]): void {
    const t = c.tracking;
    if (t === null) return;
    const caching = t.caching;
    // As Redis's resetClient: any CLIENT subcommand, or queuing inside MULTI, keeps the CACHING flag.
    if (!def.fullName.startsWith('client|') && c.multi === null) t.caching = null;
    // A read-only script is not itself remembered: the commands it runs are (rememberKeys).
    if (RO_SCRIPTS.has(def.name)) return;
    if (!def.flags.includes('readonly')) return;
    this.rememberKeys(c, trackedKeys(def, args), caching);
  }

  /**
   * Remembers keys `c` read. A script's read-only commands make Redis 7.0 remember the keys the
   * script declared (its caller's command), not the ones the commands name.
   */
  rememberKeys(c: Client, keys: readonly string[], caching = c.tracking?.caching ?? null): void {
    const t = c.tracking;
    if (t === null || t.bcast) return;
    if (t.optin && caching !== true) return;
    if (t.optout && caching === false) return;
    for (const key of keys) {
      let set = this.keys.get(key);
      if (set === undefined) this.keys.set(key, (set = new Set()));
      set.add(c.id);
    }
  }

  /** After every outermost command: held pushes go out, and the table is brought under its limit. */
  afterReply(c: Client): void {
    // A command answering in slices (DEBUG RELOAD of a big dataset) replies later: what it held (a
    // flush's null) follows that reply, as redis-server sends it after the command (sliced.ts calls again).
    if (c.blocked?.busy === true) return;
    if (releaseHeldPushes(c)) this.engine.queueFlush(c);
    const max = this.engine.config.trackingTableMaxKeys;
    // tracking-table-max-keys (0 = unlimited): the oldest keys are forgotten, with an invalidation.
    while (max > 0 && this.keys.size > max) this.forget(this.keys.keys().next().value as string);
  }

  private forget(key: string): void {
    const ids = this.keys.get(key);
    this.keys.delete(key);
    if (ids !== undefined) for (const id of [...ids].sort((a, b) => a - b)) this.sendKeys(id, [key], false);
  }

  /** A key changed; `by` is the client whose command changed it, null when the server did (expiry). */
  invalidate(key: string, by: Client | null): void {
    if (this.prefixes.size !== 0) {
      for (const [p, entry] of this.prefixes) {
        if (!key.startsWith(p)) continue;
        // The last change names who made it, as Redis's raxInsert over the key: a key a NOLOOP client
        // wrote and the server then expired in the same turn is still announced to that client.
        entry.changed.set(key, by);
        this.scheduleBroadcast();
      }
    }
    const ids = this.keys.get(key);
    if (ids === undefined) return;
    this.keys.delete(key);
    if (this.clientsOn === 0 && this.keys.size === 0) this.hook();
    const current = this.actor();
    for (const id of [...ids].sort((a, b) => a - b)) {
      const owner = this.engine.clients.get(id);
      if (owner === undefined || owner.tracking === null || owner.tracking.bcast) continue;
      if (owner.tracking.noloop && owner === current) continue;
      this.sendKeys(id, [key], false);
    }
  }

  /**
   * Whether redis-server's beforeSleep walks its prefix table to the end (raxNext there sets errno
   * to 0): trackingBroadcastInvalidationMessages returns early only when no client tracks at all, so
   * a default-mode or OPTIN client is enough, with no BCAST prefix in the table.
   */
  get broadcasting(): boolean {
    return this.clientsOn > 0;
  }

  private scheduleBroadcast(): void {
    if (this.broadcastScheduled) return;
    this.broadcastScheduled = true;
    setImmediate(() => {
      this.broadcastScheduled = false;
      // A DEBUG SLEEP is one long command to redis-server: its beforeSleep (which broadcasts) runs after
      // the sleep and the rest of the pipeline it was read with (seed 71382); wakeUp() schedules it then.
      if (this.engine.sleepingUntil !== 0 || this.engine.pause?.command === true) this.broadcastAfterSleep = true;
      else this.broadcast();
    });
  }

  /** A DEBUG SLEEP ended and its client's pipeline ran on: the broadcast it held back goes now. */
  wakeUp(): void {
    if (!this.broadcastAfterSleep) return;
    this.broadcastAfterSleep = false;
    this.scheduleBroadcast();
  }

  /** The end of an event loop turn: one message per prefix and client with the keys changed in it. */
  private broadcast(): void {
    for (const p of [...this.prefixes.keys()].sort(byteOrder)) {
      const entry = this.prefixes.get(p) as Prefix;
      if (entry.changed.size === 0) continue;
      const changed = [...entry.changed].sort((x, y) => byteOrder(x[0], y[0]));
      entry.changed.clear();
      for (const id of entry.clients) {
        const owner = this.engine.clients.get(id);
        if (owner === undefined || owner.tracking === null) continue;
        const keys = owner.tracking.noloop ? changed.filter(([, by]) => by !== owner).map(([k]) => k) : changed.map(([k]) => k);
        if (keys.length > 0) this.sendKeys(id, keys, true);
      }
    }
  }

  /** FLUSHDB/FLUSHALL: every tracking client drops its whole cache (a null invalidation). */
  invalidateAll(): void {
    // FLUSHALL empties every database but tells each client once.
    const stamp = this.engine.totalCommands;
    if (stamp === this.lastFlushStamp) return;
    this.lastFlushStamp = stamp;
    this.keys.clear();
    if (this.clientsOn === 0) this.hook();
    for (const c of this.engine.clients.values()) if (c.tracking !== null) this.sendKeys(c.id, null, false);
  }

  /** Writes one invalidation for `keys` (null: everything) to the tracking client `id` or its redirect. */
  private sendKeys(id: number, keys: string[] | null, batched: boolean): void {
    const owner = this.engine.clients.get(id);
    if (owner === undefined || owner.tracking === null) return;
    let target = owner;
    const redirect = owner.tracking.redirect;
    if (redirect !== 0) {
      const r = this.engine.clients.get(redirect);
      if (r === undefined) {
        this.brokenRedirect.add(owner.id);
        if (owner.w.proto === 3) {
          pushTo(owner, () => {
            owner.w.push(2);
            owner.w.bulk('tracking-redir-broken');
            owner.w.int(redirect);
          });
          this.engine.queueFlush(owner);
        }
        return;
      }
      target = r;
    }
    // RESP2 has no pushes: only a redirect target in Pub/Sub mode can get them, as messages.
    const asMessage = target.w.proto !== 3;
    // Pub/Sub mode counts shard channels too (SSUBSCRIBE sets CLIENT_PUBSUB).
    if (asMessage && (redirect === 0 || !target.inPubSubContext)) return;
    // The null of a flush is written in the tracking client's own protocol, as Redis does.
    const nullProto = owner.w.proto;
    const write = (): void => {
      const w = target.w;
      if (asMessage) {
        w.push(3);
        w.bulk('message');
        w.bulk('__redis__:invalidate');
      } else {
        w.push(2);
        w.bulk('invalidate');
      }
      // shared.null of the tracking client's protocol, as it is: $-1 or _ whatever the target speaks.
      if (keys === null) w.raw(nullProto === 3 ? NULL3 : NULL2);
      else {
        w.array(keys.length);
        for (const k of keys) w.bulk(k);
      }
    };
    // redis-server defers by the tracking client, not by where the message goes: what its own
    // command invalidates reaches its redirect after the command (after its keyspace events).
    if (target !== owner && !batched && this.actor() === owner) {
      pushTo(
        owner,
        () => {
          write();
          this.engine.queueFlush(target);
        },
        true,
      );
      return;
    }
    const send = (): void => {
      pushTo(target, write, !batched);
      this.engine.queueFlush(target);
    };
    const held = keys !== null && keys.length === 1 && !batched ? this.held : null;
    if (held === null) return send();
    const k = keys?.[0] as string;
    const writes = held.get(k);
    if (writes === undefined) held.set(k, [send]);
    else writes.push(send);
  }
}

/** Commands whose invalidations redis-server sends after their events (see Tracking.held), and where a key's del falls. */
const HELD_UNTIL = new Map<string, 'before-del' | 'after-del'>([
  ...['zpopmin', 'zpopmax', 'zmpop', 'bzpopmin', 'bzpopmax', 'bzmpop'].map((n): [string, 'before-del'] => [n, 'before-del']),
  ...['lpop', 'rpop', 'lmpop', 'blpop', 'brpop', 'blmpop', 'rpoplpush', 'brpoplpush', 'lmove', 'blmove', 'ltrim', 'spop', 'smove', 'zrem'].map((n): [string, 'after-del'] => [n, 'after-del']),
]);
