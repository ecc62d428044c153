// The 16 databases, lazy expiry, access tracking for LRU/LFU, and the hooks WATCH and blocking
// commands hang on: every change goes through `modified`, so nothing can forget to signal.
import type { Clock } from '../clock.ts';
import { E, fail } from '../errors.ts';
import { limits } from '../limits.ts';
import { KeyDict, typeOfStored, viewOf, LFU_INIT, type Stored } from './keydict.ts';
import { estimateMemory, type RObj, type RType } from './objects.ts';
import { lookedUp, settleDictSize } from './dict-size.ts';
import { SplitMap } from './split-table.ts';
import { SharedIntegerLfu, sharedIntegerOf } from './shared-integers.ts';

export const DB_COUNT = 16;

/** Anything that can WATCH keys: EXEC fails once `dirtyCas` is set. */
export interface Watcher {
  dirtyCas: boolean;
  /** Watched keys (db\0key) already past their TTL, but not yet deleted, when WATCH ran. */
  readonly staleWatched: Set<string>;
}

export interface KeyspaceStats {
  hits: number;
  misses: number;
  expired: number;
  evicted: number;
  dirty: number;
  /** Values and keys redis-server would have freed in the background (INFO lazyfreed_objects). */
  lazyfreed: number;
}

type Typed<K extends RType> = Extract<RObj, { type: K }>;

/** LRU/LFU state of a key, carried along when a value moves to another key (RENAME, MOVE, COPY). */
export interface AccessMeta {
  lru: number;
  lfu: number;
  lfuTime: number;
}

export class Database {
  readonly dict = new KeyDict();
  readonly expires = new SplitMap<number>();
  /** Expiry times past 2^53 ms, which the doubles in `expires` round: kept exact, as redis-server's int64, for TTL replies. */
  readonly preciseExpires = new Map<string, bigint>();
  avgTtlHint = 0;

  constructor(
    readonly ks: Keyspace,
    public id: number,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** Deletes the key if its TTL has passed; true when it did. */
  expireIfNeeded(key: string): boolean {
    const at = this.expires.get(key);
    if (at === undefined || at > (this.ks.scriptTime ?? this.ks.clock.now()) || this.ks.applyingPrimary) return false;
    // Under CLIENT PAUSE redis-server 7.0 expires no key: it reads as missing and stays until the pause ends.
    if (this.ks.expiryPaused !== null && this.ks.expiryPaused(true)) return true;
    this.remove(key, true);
    this.ks.stats.expired++;
    this.ks.onExpired?.(this.id, key);
    return true;
  }

  /** Deletes a key whose TTL passed whatever pauses expiry (a writable replica's own key, see replica-expires.ts). */
  expireNow(key: string): void {
    if (this.dict.index(key) === undefined) return;
    this.remove(key, true);
    this.ks.stats.expired++;
    this.ks.onExpired?.(this.id, key);
  }

  /** The slot of a live key, or -1. `read` lookups count keyspace hits/misses and touch LRU/LFU like Redis's lookupKeyRead. */
  private find(key: string, read: boolean, touch = true): number {
    const i = this.expires.size !== 0 && this.expireIfNeeded(key) ? undefined : this.dict.index(key);
    if (i === undefined) {
      if (read) {
        this.ks.stats.misses++;
        if (this.ks.onKeyMiss !== null) this.ks.onKeyMiss(this.id, key);
      }
      return -1;
    }
    if (read) this.ks.stats.hits++;
    if (touch) this.ks.touchAccess(this.dict, i);
    return i;
  }

  /**
   * Looks a key up as an object callers may change in place, so a bare string is given one for
   * good: read-only paths that only need the text should use getString.
   */
  lookup(key: string, read = true): RObj | null {
    const i = this.find(key, read);
    if (i < 0) return null;
    const o = this.dict.obj(i);
    // A command reading the entries looks one up: that moves a rehash in progress a step (dict-size.ts).
    if (read && (o.type === 'hash' || o.type === 'set' || o.type === 'zset') && o.htOld !== undefined) lookedUp(o);
    return o;
  }

  /** The slot of a live key, or -1, looked up as lookup() does: for a handler that changes the value in place and then calls stringModifiedAt. */
  slotOf(key: string, read = true): number {
    return this.find(key, read);
  }

  /** The value at a slot from slotOf, as lookup() gives it. */
  objAt(i: number): RObj {
    return this.dict.obj(i);
  }

  /** modified() for a string changed in place at slot i, known from slotOf: no second lookup of its key. */
  stringModifiedAt(i: number, key: string): void {
    const o = this.dict.obj(i);
    if (o.type === 'string' && o.held !== undefined) o.held = undefined;
    const mem = estimateMemory(key, o);
    this.ks.usedMemory += mem - this.dict.memAt(i);
    this.dict.setMem(i, mem);
    this.ks.signal(this, key, false, false);
  }

  /** A string value without giving the key an object of its own: null if missing, WRONGTYPE if another kind. */
  getString(key: string, read = true): string | null {
    const i = this.find(key, read);
    if (i < 0) return null;
    const v = this.dict.raw(i);
    if (typeof v === 'string') return v;
    if (v.type !== 'string') fail(E.WRONGTYPE);
    return v.v;
  }

  /** Like getString, but another kind of value reads as null instead of failing (MGET). */
  getStringOrNull(key: string, read = true): string | null {
    const i = this.find(key, read);
    if (i < 0) return null;
    const v = this.dict.raw(i);
    if (typeof v === 'string') return v;
    return v.type === 'string' ? v.v : null;
  }

  /** The type of a live key, or null; `touch` false is Redis's LOOKUP_NOTOUCH (TYPE, EXISTS, TTL). */
  typeOf(key: string, read = true, touch = true): RType | null {
    const i = this.find(key, read, touch);
    return i < 0 ? null : typeOfStored(this.dict.raw(i));
  }

  /** Lookup without side effects on stats or access time (OBJECT, TYPE-free inspection). */
  peek(key: string): RObj | null {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return null;
    const v = this.dict.getRaw(key);
    return v === undefined ? null : viewOf(v);
  }

  /** A key as the table holds it, past its TTL or not: MEMORY USAGE finds it so (dictFind, no expiry). */
  peekAsIs(key: string): RObj | null {
    const v = this.dict.getRaw(key);
    return v === undefined ? null : viewOf(v);
  }

  /** Access metadata and memory estimate of a live key, without touching it, or null. */
  peekMeta(key: string): (AccessMeta & { mem: number }) | null {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return null;
    const i = this.dict.index(key);
    if (i === undefined) return null;
    const d = this.dict;
    return { lru: d.lruAt(i), lfu: d.lfuAt(i), lfuTime: d.lfuTimeAt(i), mem: d.memAt(i) };
  }

  /** LFU counter of a key after applying decay, as OBJECT FREQ reports it (no access is recorded). */
  lfuOf(key: string, now: number): number {
    const i = this.dict.index(key);
    if (i === undefined) return 0;
    const n = this.ks.sharedIntegers ? sharedIntegerOf(this.dict.raw(i)) : -1;
    // A shared integer not touched under LFU: its LRU clock read as a counter decays to nothing.
    if (n >= 0) return this.ks.sharedLfu.freq(n, now, this.ks.lfuDecayTime) ?? 0;
    return this.ks.lfuNow(this.dict, i, now);
  }

  /** Overrides a key's access metadata (RESTORE IDLETIME/FREQ, RDB load). */
  setAccess(key: string, lru: number | undefined, lfu: number | undefined): void {
    const i = this.dict.index(key);
    if (i === undefined) return;
    if (lru !== undefined) this.dict.setLru(i, lru);
    if (lfu === undefined) return;
    const n = this.ks.sharedIntegers ? sharedIntegerOf(this.dict.raw(i)) : -1;
    if (n >= 0) this.ks.sharedLfu.set(n, lfu, this.ks.clock.now());
    else this.dict.setLfu(i, lfu, lfuMinutes(this.ks.accessNow));
  }

  /** Typed lookup: null if missing, WRONGTYPE if another kind. */
  get<K extends RType>(key: string, type: K, read = true): Typed<K> | null {
    const o = this.lookup(key, read);
    if (o === null) return null;
    if (o.type !== type) fail(E.WRONGTYPE);
    return o as Typed<K>;
  }

  /** Typed lookup for writers: creates the value with `make` when missing. */
  getOrCreate<K extends RType>(key: string, type: K, make: () => Typed<K>): Typed<K> {
    const o = this.lookup(key, false);
    if (o !== null) {
      if (o.type !== type) fail(E.WRONGTYPE);
      return o as Typed<K>;
    }
    const n = make();
    const i = this.dict.add(key, n);
    this.ks.stampNew(this.dict, i);
    if (this.ks.onNewKey !== null) this.ks.onNewKey(this.id, key);
    return n;
  }

  /**
   * Stores a value (replacing any), clearing the TTL unless `keepTtl`. A string with the default
   * encoding is kept as a bare string, so do not hold on to `o` to change it afterwards: look the
   * key up again. `meta` carries over the LRU/LFU state of a value moved from another key; `unseen`
   * as for modified().
   */
  set(key: string, o: RObj, keepTtl = false, meta?: AccessMeta, unseen = false): void {
    // A table stored whole (loaded, restored, made by a *STORE) is sized now: a delete before any
    // insert must start from the size it had, not from what is left (fuzz seed 212081).
    if ((o.type === 'hash' || o.type === 'set' || o.type === 'zset') && o.big && o.htSize === undefined) settleDictSize(o);
    this.store(key, o.type === 'string' && o.enc === 'auto' && o.held === undefined ? o.v : o, keepTtl, meta, unseen);
  }

  /** Marks key's string value as an argument of the running EXEC too (StrObj.held). */
  markHeld(key: string, exec: number): void {
    const i = this.dict.index(key);
    if (i === undefined) return;
    const o = this.dict.obj(i);
    if (o.type === 'string') o.held = exec;
  }

  /** set() for a plain string value (SET, MSET): no object is made for it. */
  setString(key: string, v: string, keepTtl = false): void {
    this.store(key, v, keepTtl, undefined);
  }

  private store(key: string, v: Stored, keepTtl: boolean, meta: AccessMeta | undefined, unseen = false): void {
    // A key past its TTL is expired first (an `expired` event, then `new`), as 7.0's setKey looks it
    // up for writing before it overwrites.
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    const d = this.dict;
    let i = d.index(key);
    const added = i === undefined;
    if (i !== undefined) {
      this.ks.usedMemory -= d.memAt(i);
      this.ks.forgetDirty(d.raw(i));
      d.put(i, v);
    } else {
      i = d.add(key, v);
      if (this.ks.onNewKey !== null) this.ks.onNewKey(this.id, key);
    }
    if (!keepTtl && this.expires.size !== 0) this.dropExpire(key);
    if (meta !== undefined) {
      d.setLru(i, meta.lru);
      d.setLfu(i, meta.lfu, meta.lfuTime);
    } else if (!this.ks.lfu || added) this.ks.stampNew(d, i);
    // Under LFU an overwrite keeps the old object's field, LFU counter or LRU clock (as Redis's dbOverwrite).
    const mem = estimateMemory(key, v);
    d.setMem(i, mem);
    this.ks.usedMemory += mem;
    this.ks.signal(this, key, false, unseen);
  }

  /** Removes a key; true if it existed. */
  delete(key: string): boolean {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    if (!this.dict.has(key)) return false;
    this.remove(key);
    return true;
  }

  /** Removes a key even past its TTL, with no `expired` first (7.0's bare dbDelete: RESTORE REPLACE, a *STORE's empty result); true if it was there. */
  deleteAsIs(key: string): boolean {
    if (!this.dict.has(key)) return false;
    this.remove(key);
    return true;
  }

  private remove(key: string, expired = false): void {
    const i = this.dict.index(key);
    if (i !== undefined) {
      this.ks.usedMemory -= this.dict.memAt(i);
      this.ks.forgetDirty(this.dict.raw(i));
    }
    this.dict.delete(key);
    this.dropExpire(key);
    this.ks.signal(this, key, expired);
  }

  /** Wakes the clients blocked on `key` to look at it again (Redis's signalKeyAsReady). */
  wakeBlocked(key: string): void {
    const k = `${this.id}\0${key}`;
    if (this.ks.blockedOn.has(k)) this.ks.ready.add(k);
  }

  /** Call after changing a value in place: drops emptied collections, refreshes memory, signals (`unseen`: see KeySpace.signal). */
  modified(key: string, unseen = false): void {
    const i = this.dict.index(key);
    if (i === undefined) {
      this.ks.signal(this, key, false, unseen);
      return;
    }
    const o = this.dict.raw(i);
    if (typeof o !== 'string' && isEmpty(o)) {
      this.remove(key);
      if (this.ks.onEmptied !== null) this.ks.onEmptied(this.id, key);
      return;
    }
    if (typeof o === 'string' || o.type === 'string') {
      // Changed in place: redis-server would have copied a value an argument still held first.
      if (typeof o !== 'string' && o.held !== undefined) o.held = undefined;
      // A string's estimate is its length: cheaper to settle now than to queue.
      const mem = estimateMemory(key, o);
      this.ks.usedMemory += mem - this.dict.memAt(i);
      this.dict.setMem(i, mem);
    } else {
      this.ks.markMemoryDirty(this, key, o);
      if (o.type !== 'list' && o.type !== 'stream' && o.big) settleDictSize(o);
    }
    this.ks.signal(this, key, false, unseen);
  }

  /** Absolute expiry in ms, or undefined. */
  ttlOf(key: string): number | undefined {
    return this.expires.get(key);
  }

  /** `exact` is the int64 the client gave, for times a double cannot hold exactly. */
  /** `unseen`: no signal to WATCH and tracking (a key being loaded, as set()'s own flag). */
  setExpire(key: string, atMs: number, exact?: bigint, unseen = false): void {
    this.expires.set(key, atMs);
    if (exact !== undefined && !Number.isSafeInteger(atMs)) this.preciseExpires.set(key, exact);
    else if (this.preciseExpires.size !== 0) this.preciseExpires.delete(key);
    if (!unseen) this.ks.signal(this, key);
  }

  persist(key: string): boolean {
    if (!this.dropExpire(key)) return false;
    this.ks.signal(this, key);
    return true;
  }

  private dropExpire(key: string): boolean {
    if (this.preciseExpires.size !== 0) this.preciseExpires.delete(key);
    return this.expires.delete(key);
  }

  exists(key: string): boolean {
    return this.find(key, false) >= 0;
  }

  /** Present but past its TTL (Redis's keyIsExpired): WATCH remembers such keys. */
  isStale(key: string): boolean {
    const at = this.expires.get(key);
    return at !== undefined && at <= (this.ks.scriptTime ?? this.ks.clock.now());
  }

  flush(): void {
    if (this.ks.onFlush !== null) this.ks.onFlush();
    if (this.ks.onReplicateReset !== null) this.ks.onReplicateReset();
    // Only watched keys need a signal: walking the watchers, not the keys, keeps a flush of a million
    // keys from holding the event loop every other node shares.
    this.ks.touchWatchedOnReplace(this.id, this, null);
    const prefix = `${this.id}\0`;
    // A client blocked on a key that goes away (XREADGROUP on a stream) must be woken to hear so, as
    // redis 7.0 does when it scans a flushed database for deleted streams.
    for (const k of this.ks.blockedOn.keys()) {
      if (k.startsWith(prefix) && this.dict.has(k.slice(prefix.length))) this.ks.ready.add(k);
    }
    this.ks.forgetDirtyOf(this);
    this.dict.clear();
    this.expires.clear();
    this.preciseExpires.clear();
    this.ks.recomputeMemory();
  }

  randomKey(): string | null {
    // Expired keys found while sampling are reclaimed, like Redis; give up after a few all-expired rounds.
    for (let tries = 0; tries < 100; tries++) {
      const k = this.dict.random();
      if (k === null) return null;
      if (!this.expireIfNeeded(k)) return k;
    }
    return null;
  }
}

function isEmpty(o: RObj): boolean {
  switch (o.type) {
    case 'string':
      return false;
    case 'list':
      return o.v.length === 0;
    case 'hash':
    case 'set':
      return o.v.size === 0;
    case 'zset':
      return o.v.size === 0;
    case 'stream':
      return false;
  }
}

export class Keyspace {
  readonly dbs: Database[] = [];
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expired: 0, evicted: 0, dirty: 0, lazyfreed: 0 };
  /** The part of stats.dirty the server made itself (expiry), so a command's own changes can be told apart. */
  serverDirty = 0;
  usedMemory = 0;
  /** Told about every key removed by expiry (keyspace notifications). */
  onExpired: ((db: number, key: string) => void) | null = null;
  /** Keyspace notifications for key creation and read misses (classes n and m); null when off. */
  onNewKey: ((db: number, key: string) => void) | null = null;
  onKeyMiss: ((db: number, key: string) => void) | null = null;
  /** Client-side caching hooks, set only while some client has tracking on. */
  onKeyChange: ((key: string, byServer: boolean) => void) | null = null;
  onFlush: (() => void) | null = null;
  /** Replication hooks, set only while replicas are attached: a key changed / everything changed. */
  onReplicate: ((db: number, key: string) => void) | null = null;
  onReplicateReset: (() => void) | null = null;
  /** Told about collections deleted because a command emptied them. */
  onEmptied: ((db: number, key: string) => void) | null = null;
  /** When true, access updates the LFU counter instead of the LRU clock. */
  lfu = false;
  /** Under LFU with maxmemory 0: a value 0-9999 is redis-server's shared integer, whose counter its keys share. */
  sharedIntegers = false;
  readonly sharedLfu = new SharedIntegerLfu();

  /** Follows maxmemory-policy and maxmemory (CONFIG SET, start-up, each tick). */
  setPolicy(policy: string, maxmemory: number): void {
    const lfu = policy.endsWith('lfu');
    if (this.lfu && !lfu) this.sharedLfu.forget();
    this.lfu = lfu;
    this.sharedIntegers = lfu && maxmemory === 0;
  }
  /** While a script or EXEC runs, keys expire as of its start (Redis 7.0's script snapshot, fixed_time_expire). */
  scriptTime: number | null = null;
  /** Whether expiry is held now (CLIENT PAUSE), on a key's access or at all; null when nothing can hold it. */
  expiryPaused: ((onAccess?: boolean) => boolean) | null = null;
  /**
   * True while a replica runs its primary's stream: a key past its TTL is still there for those commands (an
   * INCR of it increments it, keeping its TTL), as 7.0's expireIfNeeded lets the master client see it.
   */
  applyingPrimary = false;
  readonly watchers = new Map<string, Set<Watcher>>();
  /** db\0key for keys some client is blocked on, with how many clients wait. */
  readonly blockedOn = new Map<string, number>();
  /** Keys touched while clients were blocked on them, served after the current command. */
  readonly ready = new Set<string>();

  constructor(readonly clock: Clock) {
    for (let i = 0; i < DB_COUNT; i++) this.dbs.push(new Database(this, i));
  }

  db(i: number): Database {
    const d = this.dbs[i];
    if (d === undefined) fail(E.DB_INDEX);
    return d;
  }

  /**
   * `byServer`: the change is the server's own (expiry, eviction), not the running command's.
   * `unseen`: a change Redis makes without signalModifiedKey (PFDEBUG's conversion to dense, consumer
   * groups): dirty and replicated, but no watcher, tracking client or blocked client hears of it.
   */
  signal(db: Database, key: string, byServer = false, unseen = false): void {
    this.stats.dirty++;
    if (byServer) this.serverDirty++;
    if (this.onReplicate !== null) this.onReplicate(db.id, key);
    if (unseen) return;
    if (this.onKeyChange !== null) this.onKeyChange(key, byServer);
    if (this.watchers.size === 0 && this.blockedOn.size === 0) return;
    const k = `${db.id}\0${key}`;
    const w = this.watchers.get(k);
    if (w !== undefined) {
      // As Redis's touchWatchedKey: a key stale at WATCH and now deleted (expired) is no logical change.
      const gone = !db.dict.has(key);
      for (const c of w) if (!(gone && c.staleWatched.delete(k))) c.dirtyCas = true;
    }
    if (this.blockedOn.has(k)) this.ready.add(k);
  }

  /**
   * Redis's touchAllWatchedKeysInDb: database `index` trades `emptied`'s keys for `replacedWith`'s
   * (null for a flush). A key stale before and gone or stale after, or missing before and stale
   * after, is no logical change.
   */
  touchWatchedOnReplace(index: number, emptied: Database, replacedWith: Database | null): void {
    const prefix = `${index}\0`;
    for (const [k, set] of this.watchers) {
      if (!k.startsWith(prefix)) continue;
      const key = k.slice(prefix.length);
      const before = emptied.dict.has(key);
      const after = replacedWith !== null && replacedWith.dict.has(key);
      if (!before && !after) continue;
      const staleAfter = after && (replacedWith as Database).isStale(key);
      for (const c of set) {
        if (c.staleWatched.has(k)) {
          if (!after) c.staleWatched.delete(k);
          if (!after || staleAfter) continue;
        } else if (!before && staleAfter) {
          c.staleWatched.add(k);
          continue;
        }
        c.dirtyCas = true;
      }
    }
  }

  /** Time used for LRU/LFU bookkeeping, refreshed once per input batch (like Redis's cached clock). */
  accessNow = 0;
  /** lfu-log-factor and lfu-decay-time, as CONFIG SET leaves them. */
  lfuLogFactor: number = limits.LFU_LOG_FACTOR;
  lfuDecayTime: number = limits.LFU_DECAY_TIME;

  touchAccess(d: KeyDict, i: number): void {
    const now = this.accessNow;
    if (!this.lfu) {
      this.stampLru(d, i, now);
      return;
    }
    if (this.sharedIntegers) {
      const n = sharedIntegerOf(d.raw(i));
      if (n >= 0) return this.sharedLfu.touch(n, now, this.lfuLogFactor, this.lfuDecayTime);
    }
    // updateLFU: the decayed counter, maybe one more, stamped with this minute.
    let lfu = this.lfuNow(d, i, now);
    if (lfu < 255 && Math.random() < 1 / (Math.max(0, lfu - LFU_INIT) * this.lfuLogFactor + 1)) lfu++;
    d.setLfu(i, lfu, lfuMinutes(now));
  }

  /** A value just made (createObject): an LRU clock, or under LFU the initial counter at this minute. */
  stampNew(d: KeyDict, i: number): void {
    if (this.lfu) d.setLfu(i, LFU_INIT, lfuMinutes(this.accessNow));
    else this.stampLru(d, i, this.accessNow);
  }

  /**
   * redis-server keeps one 24-bit field per value: an LRU clock, or LFU's minute and counter. A key
   * stamped under an LRU policy loses its LFU state (a time of 0 here says the field holds the clock).
   */
  private stampLru(d: KeyDict, i: number, now: number): void {
    d.setLru(i, now);
    d.setLfu(i, LFU_INIT, 0);
  }

  /**
   * LFUDecrAndReturn: the counter less one per lfu-decay-time minutes since it was stamped, nothing
   * written. A field holding an LRU clock (seconds, 24 bits) is read as LFU's minutes << 8 | counter,
   * which is how a key from before a switch to an LFU policy reads (almost always 0).
   */
  lfuNow(d: KeyDict, i: number, now: number): number {
    const decay = this.lfuDecayTime;
    const time = d.lfuTimeAt(i);
    if (time === 0) {
      const clock = Math.floor(d.lruAt(i) / 1000) & 0xffffff;
      const counter = clock & 255;
      const ldt = clock >>> 8;
      const minute = Math.floor(now / 60000) & 0xffff;
      const elapsed = minute >= ldt ? minute - ldt : 65535 - ldt + minute;
      const periods = decay > 0 ? Math.floor(elapsed / decay) : 0;
      return periods > counter ? 0 : counter - periods;
    }
    // lfu-decay-time 0: counters never decay.
    const periods = decay > 0 ? Math.floor((lfuMinutes(now) - time) / decay) : 0;
    return Math.max(0, d.lfuAt(i) - periods);
  }

  /**
   * Re-estimating a big collection on every write is costly; do it when memory is next read. A value that
   * leaves its key (DEL, an overwrite, a flush) leaves this too: a node nobody asks INFO kept every deleted
   * collection it had written to alive until 10,000 had gathered.
   */
  private memDirty = new Map<RObj, { db: Database; key: string }>();

  forgetDirty(v: Stored): void {
    if (this.memDirty.size !== 0 && typeof v === 'object') this.memDirty.delete(v);
  }

  forgetDirtyOf(db: Database): void {
    for (const [o, at] of this.memDirty) if (at.db === db) this.memDirty.delete(o);
  }

  markMemoryDirty(db: Database, key: string, o: RObj): void {
    if (this.memDirty.has(o)) return;
    this.memDirty.set(o, { db, key });
    if (this.memDirty.size > 10000) this.settleMemory();
  }

  /** Brings usedMemory up to date with every value changed since the last call. */
  settleMemory(): void {
    if (this.memDirty.size === 0) return;
    const list = this.memDirty;
    this.memDirty = new Map();
    for (const [o, { db, key }] of list) {
      const i = db.dict.index(key);
      if (i === undefined || db.dict.raw(i) !== o) continue;
      const mem = estimateMemory(key, o);
      this.usedMemory += mem - db.dict.memAt(i);
      db.dict.setMem(i, mem);
    }
  }

  recomputeMemory(): void {
    let total = 0;
    for (const d of this.dbs) for (const [, , i] of d.dict.entries()) total += d.dict.memAt(i);
    this.usedMemory = total;
  }

  swap(a: number, b: number): void {
    if (this.onReplicateReset !== null) this.onReplicateReset();
    const da = this.db(a);
    const dbb = this.db(b);
    // Watches stay with the database index, as Redis keeps watched_keys when it swaps the data.
    this.touchWatchedOnReplace(a, da, dbb);
    this.touchWatchedOnReplace(b, dbb, da);
    this.dbs[a] = dbb;
    this.dbs[b] = da;
    dbb.id = a;
    da.id = b;
    // Clients blocked on keys that now exist in the swapped-in database must be re-checked.
    for (const k of this.blockedOn.keys()) this.ready.add(k);
  }
}

export { LFU_INIT };

/** The minute an LFU stamp holds (never 0, which marks an LRU clock). */
const lfuMinutes = (now: number): number => Math.max(1, Math.floor(now / 60000));
