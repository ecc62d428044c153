// The 16 databases, lazy expiry, access tracking for LRU/LFU, and the hooks WATCH and blocking
// commands hang on: every change goes through `modified`, so nothing can forget to signal.
import type { Clock } from '../clock.ts';
import { E, fail } from '../errors.ts';
import { limits } from '../limits.ts';
import { KeyDict } from './keydict.ts';
import { estimateMemory, type RObj, type RType } from './objects.ts';

export const DB_COUNT = 16;

/** Anything that can WATCH keys: EXEC fails once `dirtyCas` is set. */
export interface Watcher {
  dirtyCas: boolean;
}

export interface KeyspaceStats {
  hits: number;
  misses: number;
  expired: number;
  evicted: number;
  dirty: number;
}

type Typed<K extends RType> = Extract<RObj, { type: K }>;

export class Database {
  readonly dict = new KeyDict<RObj>();
  readonly expires = new Map<string, number>();
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
    if (at === undefined || at > this.ks.clock.now()) return false;
    this.remove(key);
    this.ks.stats.expired++;
    this.ks.onExpired?.(this.id, key);
    return true;
  }

  /** Looks a key up; `read` lookups count keyspace hits/misses and touch LRU/LFU like Redis's lookupKeyRead. */
  lookup(key: string, read = true): RObj | null {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    const o = this.dict.get(key);
    if (o === undefined) {
      if (read) {
        this.ks.stats.misses++;
        if (this.ks.onKeyMiss !== null) this.ks.onKeyMiss(this.id, key);
      }
      return null;
    }
    if (read) this.ks.stats.hits++;
    this.ks.touchAccess(o);
    return o;
  }

  /** Lookup without side effects on stats or access time (OBJECT, TYPE-free inspection). */
  peek(key: string): RObj | null {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    return this.dict.get(key) ?? null;
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
    this.dict.set(key, n);
    this.ks.touchAccess(n);
    if (this.ks.onNewKey !== null) this.ks.onNewKey(this.id, key);
    return n;
  }

  /** Stores a value (replacing any), clearing the TTL unless `keepTtl`. */
  set(key: string, o: RObj, keepTtl = false): void {
    const old = this.dict.set(key, o);
    if (old !== undefined) this.ks.usedMemory -= old.mem;
    else if (this.ks.onNewKey !== null) this.ks.onNewKey(this.id, key);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    this.ks.touchAccess(o);
    o.mem = estimateMemory(key, o);
    this.ks.usedMemory += o.mem;
    this.ks.signal(this, key);
  }

  /** Removes a key; true if it existed. */
  delete(key: string): boolean {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    if (!this.dict.has(key)) return false;
    this.remove(key);
    return true;
  }

  private remove(key: string): void {
    const o = this.dict.get(key);
    if (o !== undefined) this.ks.usedMemory -= o.mem;
    this.dict.delete(key);
    this.expires.delete(key);
    this.ks.signal(this, key);
  }

  /** Call after changing a value in place: drops emptied collections, refreshes memory, signals. */
  modified(key: string): void {
    const o = this.dict.get(key);
    if (o === undefined) {
      this.ks.signal(this, key);
      return;
    }
    if (isEmpty(o)) {
      this.remove(key);
      if (this.ks.onEmptied !== null) this.ks.onEmptied(this.id, key);
      return;
    }
    this.ks.markMemoryDirty(this, key, o);
    this.ks.signal(this, key);
  }

  /** Absolute expiry in ms, or undefined. */
  ttlOf(key: string): number | undefined {
    return this.expires.get(key);
  }

  setExpire(key: string, atMs: number): void {
    this.expires.set(key, atMs);
    this.ks.signal(this, key);
  }

  persist(key: string): boolean {
    if (!this.expires.delete(key)) return false;
    this.ks.signal(this, key);
    return true;
  }

  exists(key: string): boolean {
    return this.lookup(key, false) !== null;
  }

  flush(): void {
    if (this.ks.onFlush !== null) this.ks.onFlush();
    if (this.ks.onReplicateReset !== null) this.ks.onReplicateReset();
    for (const key of this.dict.keys()) this.ks.signalWatchers(this.id, key);
    this.dict.clear();
    this.expires.clear();
    this.ks.recomputeMemory();
  }

  randomKey(): string | null {
    // Expired keys found while sampling are reclaimed, like Redis; give up after a few all-expired rounds.
    for (let tries = 0; tries < 100; tries++) {
      const e = this.dict.random();
      if (e === null) return null;
      if (!this.expireIfNeeded(e[0])) return e[0];
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
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expired: 0, evicted: 0, dirty: 0 };
  usedMemory = 0;
  /** Told about every key removed by expiry (keyspace notifications). */
  onExpired: ((db: number, key: string) => void) | null = null;
  /** Keyspace notifications for key creation and read misses (classes n and m); null when off. */
  onNewKey: ((db: number, key: string) => void) | null = null;
  onKeyMiss: ((db: number, key: string) => void) | null = null;
  /** Client-side caching hooks, set only while some client has tracking on. */
  onKeyChange: ((key: string) => void) | null = null;
  onFlush: (() => void) | null = null;
  /** Replication hooks, set only while replicas are attached: a key changed / everything changed. */
  onReplicate: ((db: number, key: string) => void) | null = null;
  onReplicateReset: (() => void) | null = null;
  /** Told about collections deleted because a command emptied them. */
  onEmptied: ((db: number, key: string) => void) | null = null;
  /** When true, access updates the LFU counter instead of the LRU clock. */
  lfu = false;
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

  signal(db: Database, key: string): void {
    this.stats.dirty++;
    if (this.onKeyChange !== null) this.onKeyChange(key);
    if (this.onReplicate !== null) this.onReplicate(db.id, key);
    if (this.watchers.size === 0 && this.blockedOn.size === 0) return;
    const k = `${db.id}\0${key}`;
    const w = this.watchers.get(k);
    if (w !== undefined) for (const c of w) c.dirtyCas = true;
    if (this.blockedOn.has(k)) this.ready.add(k);
  }

  signalWatchers(dbId: number, key: string): void {
    const w = this.watchers.get(`${dbId}\0${key}`);
    if (w !== undefined) for (const c of w) c.dirtyCas = true;
  }

  /** Every watcher of any key in `dbId` (FLUSHDB, SWAPDB). */
  signalAllWatchers(dbId: number): void {
    const prefix = `${dbId}\0`;
    for (const [k, set] of this.watchers) if (k.startsWith(prefix)) for (const c of set) c.dirtyCas = true;
  }

  /** Time used for LRU/LFU bookkeeping, refreshed once per input batch (like Redis's cached clock). */
  accessNow = 0;

  touchAccess(o: RObj): void {
    const now = this.accessNow;
    if (!this.lfu) {
      o.lru = now;
      return;
    }
    this.lfuDecay(o, now);
    if (o.lfu < 255) {
      const base = Math.max(0, o.lfu - LFU_INIT);
      if (Math.random() < 1 / (base * limits.LFU_LOG_FACTOR + 1)) o.lfu++;
    }
  }

  /** Applies lfu-decay-time: the counter drops by one per elapsed period. */
  lfuDecay(o: RObj, now: number): number {
    const minutes = Math.floor(now / 60000);
    if (o.lfuTime === 0) o.lfuTime = minutes;
    const periods = Math.floor((minutes - o.lfuTime) / limits.LFU_DECAY_TIME);
    if (periods > 0) {
      o.lfu = Math.max(0, o.lfu - periods);
      o.lfuTime = minutes;
    }
    return o.lfu;
  }

  /** Re-estimating a big collection on every write is costly; do it when memory is next read. */
  private memDirty: { db: Database; key: string; o: RObj }[] = [];

  markMemoryDirty(db: Database, key: string, o: RObj): void {
    if (o.memDirty) return;
    o.memDirty = true;
    this.memDirty.push({ db, key, o });
    if (this.memDirty.length > 10000) this.settleMemory();
  }

  /** Brings usedMemory up to date with every value changed since the last call. */
  settleMemory(): void {
    const list = this.memDirty;
    this.memDirty = [];
    for (const { db, key, o } of list) {
      o.memDirty = false;
      if (db.dict.get(key) !== o) continue;
      this.usedMemory -= o.mem;
      o.mem = estimateMemory(key, o);
      this.usedMemory += o.mem;
    }
  }

  recomputeMemory(): void {
    let total = 0;
    for (const d of this.dbs) for (const [, o] of d.dict.entries()) total += o.mem;
    this.usedMemory = total;
  }

  swap(a: number, b: number): void {
    if (this.onReplicateReset !== null) this.onReplicateReset();
    const da = this.db(a);
    const dbb = this.db(b);
    this.dbs[a] = dbb;
    this.dbs[b] = da;
    dbb.id = a;
    da.id = b;
    this.signalAllWatchers(a);
    this.signalAllWatchers(b);
    // Clients blocked on keys that now exist in the swapped-in database must be re-checked.
    for (const k of this.blockedOn.keys()) this.ready.add(k);
  }
}

export const LFU_INIT = 5;
