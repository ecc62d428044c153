// The item table: a Map in LRU order (oldest first), memory accounting, expiry, flush and CAS.
// Protocol front-ends (text, meta, binary) decide replies; this file decides what happens to items.
import type { Clock } from './clock.ts';
import { DEFAULT_GEOMETRY, itemSize, slabClassOf, slabClassSizes, type Item, type SlabGeometry } from './item.ts';
import { REALTIME_MAXDELTA, U64_MAX } from './limits.ts';
import { newCounters, type Counters } from './stats-counters.ts';
import type { WatchLog } from './watch.ts';

export type StoreMode = 'set' | 'add' | 'replace' | 'append' | 'prepend';
export type StoreResult = 'STORED' | 'NOT_STORED' | 'EXISTS' | 'NOT_FOUND' | 'TOO_LARGE' | 'NO_MEMORY';
export type DeltaResult =
  | { kind: 'ok'; value: bigint; item: Item }
  | { kind: 'NOT_FOUND' }
  | { kind: 'NON_NUMERIC' }
  | { kind: 'EXISTS' };

/** An item stays in the same LRU position for this long after being read (ITEM_UPDATE_INTERVAL). */
const BUMP_INTERVAL_SECONDS = 60;

/** Counters memcached keeps per slab class and sums for the global `stats`. */
export type SlabCounter = 'get_hits' | 'cmd_set' | 'delete_hits' | 'incr_hits' | 'decr_hits' | 'cas_hits' | 'cas_badval' | 'touch_hits';
export type SlabCounters = Record<SlabCounter, number>;

export interface StoreOptions {
  memoryLimit: number;
  maxItemSize: number;
  clock: Clock;
  geometry?: SlabGeometry;
  /** Where fetches, stores and evictions are reported for `watch`. */
  log?: WatchLog;
  /** memcached -M: answer out of memory instead of evicting live items (expired ones are still reclaimed). */
  errorOnMemoryExhausted?: boolean;
}

export class ItemStore {
  readonly counters: Counters = newCounters();
  readonly slabSizes: number[];
  readonly geometry: SlabGeometry;
  readonly startedAt: number;
  memoryLimit: number;
  readonly maxItemSize: number;
  private readonly evictLive: boolean;
  bytes = 0;
  private readonly items = new Map<string, Item>();
  private nextCas = 1;
  private flushAt = 0;
  private readonly clock: Clock;
  private readonly log: WatchLog | undefined;
  /** `stats sizes` histogram (32-byte buckets of item size), null while disabled. */
  private sizeHistogram: Map<number, number> | null = null;
  /** Items older than the histogram (lower CAS) were never added to it, so are not taken out. */
  private sizesCasMin = 0;

  constructor(options: StoreOptions) {
    this.memoryLimit = options.memoryLimit;
    this.maxItemSize = options.maxItemSize;
    this.evictLive = !options.errorOnMemoryExhausted;
    this.clock = options.clock;
    this.log = options.log;
    this.geometry = options.geometry ?? DEFAULT_GEOMETRY;
    this.slabSizes = slabClassSizes(options.maxItemSize, this.geometry);
    this.startedAt = this.now();
  }

  now(): number {
    return Math.floor(this.clock() / 1000);
  }

  get size(): number {
    return this.items.size;
  }

  /** Wire exptime (already int32) to absolute seconds, with memcached's 30-day rule. */
  expiryFromWire(exptime: number): number {
    if (exptime === 0) return 0;
    // Negative means "already expired"; absolute 1 is always in the past.
    if (exptime < 0) return 1;
    if (exptime > REALTIME_MAXDELTA) return exptime <= this.startedAt ? 1 : exptime;
    return this.now() + exptime;
  }

  newCas(): number {
    return this.nextCas++;
  }

  /** Applies a delayed flush_all whose time has come; cheap when none is pending. */
  tick(now: number): void {
    if (this.flushAt !== 0 && now >= this.flushAt) {
      const at = this.flushAt;
      this.flushAt = 0;
      for (const item of this.items.values()) if (item.time <= at) this.unlink(item);
    }
  }

  flush(delaySeconds: number): void {
    if (delaySeconds > 0) {
      this.flushAt = this.expiryFromWire(delaySeconds);
      return;
    }
    this.flushAt = 0;
    this.items.clear();
    this.bytes = 0;
  }

  isLive(item: Item, now: number): boolean {
    return item.exptime === 0 || item.exptime > now;
  }

  /** Live item or undefined; an expired one found here is reclaimed (and counted when `countMiss`). */
  find(key: string, countMiss = false): Item | undefined {
    const item = this.items.get(key);
    if (item === undefined) {
      this.log?.fetched(key, undefined, 'not_found', 0);
      return undefined;
    }
    if (item.exptime !== 0 && item.exptime <= this.now()) {
      if (countMiss) this.counters.get_expired++;
      if (!item.fetched) this.counters.expired_unfetched++;
      this.unlink(item);
      this.log?.fetched(key, undefined, 'expired', 0);
      return undefined;
    }
    this.log?.fetched(key, item, 'found', slabClassOf(this.slabSizes, item.size));
    return item;
  }

  /** Records a read; the Map is only reordered once per BUMP_INTERVAL, like memcached's LRU. */
  touchRead(item: Item, bump: boolean): void {
    if (!bump) return;
    // As in memcached's segmented LRU, the first hit only marks the item fetched; it takes a second
    // hit to become active and earn a second chance at eviction time.
    if (item.fetched) item.active = true;
    else item.fetched = true;
    const now = this.now();
    if (now - item.bumped >= BUMP_INTERVAL_SECONDS) {
      item.bumped = now;
      this.items.delete(item.key);
      this.items.set(item.key, item);
    }
    item.time = now;
  }

  itemFits(keyLength: number, valueLength: number, flags: number): boolean {
    return itemSize(keyLength, valueLength, flags) <= this.maxItemSize;
  }

  /**
   * One storage operation. `cas` (when given, even 0) must match the live item; `invalidate` lets an older CAS
   * win but marks the result stale (meta set I flag).
   */
  store(
    mode: StoreMode,
    key: string,
    value: Buffer,
    flags: number,
    exptime: number,
    cas?: bigint,
    invalidate = false,
  ): { result: StoreResult; item?: Item } {
    const outcome = this.storeItem(mode, key, value, flags, exptime, cas, invalidate);
    if (this.log?.wants('mutations')) {
      // memcached logs the item it built for the request, stored or not.
      const it = outcome.item;
      const size = it?.value.length ?? value.length;
      const exp = it?.exptime ?? exptime;
      const ttl = exp === 0 ? 0 : exp - this.now();
      const cmd = cas !== undefined && (mode === 'set' || mode === 'replace') ? 'cas' : mode;
      const clsid = slabClassOf(this.slabSizes, it?.size ?? itemSize(key.length, value.length, flags));
      this.log.stored(key, outcome.result.toLowerCase(), cmd, ttl, clsid, size);
    }
    return outcome;
  }

  private storeItem(
    mode: StoreMode,
    key: string,
    value: Buffer,
    flags: number,
    exptime: number,
    cas: bigint | undefined,
    invalidate: boolean,
  ): { result: StoreResult; item?: Item } {
    const old = this.find(key);
    let stale = false;
    // add ignores a CAS, and so do append/prepend when it is 0; they report a missing item as
    // NOT_STORED rather than NOT_FOUND.
    const concat = mode === 'append' || mode === 'prepend';
    if (cas !== undefined && mode !== 'add' && !(concat && cas === 0n)) {
      if (old === undefined) return { result: concat ? 'NOT_STORED' : 'NOT_FOUND' };
      const current = BigInt(old.cas);
      if (cas !== current) {
        if (invalidate && !concat && cas < current) stale = true;
        else return { result: 'EXISTS' };
      }
    }
    switch (mode) {
      case 'add':
        // A failed add refreshes the item's LRU position but does not count as a fetch.
        if (old !== undefined) {
          old.time = this.now();
          return { result: 'NOT_STORED' };
        }
        break;
      case 'replace':
      case 'append':
      case 'prepend':
        if (old === undefined) return { result: 'NOT_STORED' };
        break;
      case 'set':
        break;
    }
    // A stale write (meta set I with an older CAS) replaces the value but keeps the old item's TTL.
    if (stale && old !== undefined) exptime = old.exptime;
    if (old !== undefined && (mode === 'append' || mode === 'prepend')) {
      value = mode === 'append' ? Buffer.concat([old.value, value]) : Buffer.concat([value, old.value]);
      flags = old.flags;
      exptime = old.exptime;
    }
    // Keys are latin1 strings, one char per byte.
    const size = itemSize(key.length, value.length, flags);
    if (size > this.maxItemSize) return { result: 'TOO_LARGE' };
    if (!this.makeRoom(size, old)) return { result: 'NO_MEMORY' };
    const now = this.now();
    const item: Item = {
      key,
      value,
      flags,
      exptime,
      cas: this.nextCas++,
      time: now,
      bumped: now,
      fetched: false,
      active: false,
      stale,
      // A stale write keeps the old item's recache state, so a pending winner is not duplicated.
      tokenSent: stale && old !== undefined && old.tokenSent,
      binaryKey: false,
      size,
    };
    this.link(item);
    return { result: 'STORED', item };
  }

  /** Inserts or replaces an item, keeping counters in step. */
  link(item: Item): void {
    const old = this.items.get(item.key);
    if (old !== undefined) {
      this.bytes -= old.size;
      this.items.delete(item.key);
      this.sizesRemove(old);
    }
    this.items.set(item.key, item);
    this.bytes += item.size;
    this.counters.total_items++;
    if (this.sizeHistogram !== null) {
      const bucket = sizeBucket(item.size);
      this.sizeHistogram.set(bucket, (this.sizeHistogram.get(bucket) ?? 0) + 1);
    }
  }

  unlink(item: Item): void {
    if (this.items.get(item.key) === item) {
      this.items.delete(item.key);
      this.bytes -= item.size;
      this.sizesRemove(item);
    }
  }

  private sizesRemove(item: Item): void {
    if (this.sizeHistogram === null || item.cas < this.sizesCasMin) return;
    const bucket = sizeBucket(item.size);
    const n = (this.sizeHistogram.get(bucket) ?? 0) - 1;
    if (n > 0) this.sizeHistogram.set(bucket, n);
    else this.sizeHistogram.delete(bucket);
  }

  /** `stats sizes_enable`: counts items linked from now on (those already stored are not counted). */
  enableSizes(): void {
    if (this.sizeHistogram !== null) return;
    this.sizeHistogram = new Map();
    this.sizesCasMin = this.nextCas++;
  }

  disableSizes(): void {
    this.sizeHistogram = null;
  }

  /** [bucket size, item count] in ascending size, or null while disabled. */
  sizes(): [number, number][] | null {
    if (this.sizeHistogram === null) return null;
    return [...this.sizeHistogram.entries()].sort((a, b) => a[0] - b[0]);
  }

  delete(key: string): Item | undefined {
    const item = this.find(key);
    if (item !== undefined) this.unlink(item);
    return item;
  }

  /** Frees memory for `size` new bytes from the LRU tail; the item being replaced is not a victim. */
  private makeRoom(size: number, replacing: Item | undefined): boolean {
    const limit = this.memoryLimit;
    const freed = replacing?.size ?? 0;
    if (size > limit) return false;
    if (this.bytes - freed + size <= limit) return true;
    const now = this.now();
    // Each active item gets one second chance, so at most two passes over the table.
    let budget = this.items.size * 2 + 1;
    for (const item of this.items.values()) {
      if (this.bytes - freed + size <= limit || budget-- <= 0) break;
      if (item === replacing) continue;
      if (!this.isLive(item, now)) {
        this.counters.reclaimed++;
        if (!item.fetched) this.counters.expired_unfetched++;
        this.unlink(item);
        continue;
      }
      if (!this.evictLive) continue;
      if (item.active) {
        item.active = false;
        this.items.delete(item.key);
        this.items.set(item.key, item);
        continue;
      }
      this.counters.evictions++;
      if (!item.fetched) this.counters.evicted_unfetched++;
      const cls = slabClassOf(this.slabSizes, item.size);
      this.log?.evicted(item, item.exptime === 0 ? -1 : item.exptime - now, now - item.time, cls);
      this.evictedByClass[cls] = (this.evictedByClass[cls] ?? 0) + 1;
      this.unlink(item);
    }
    if (this.bytes - freed + size <= limit) return true;
    this.counters.store_no_memory++;
    return false;
  }

  readonly evictedByClass: Record<number, number> = {};
  readonly slabCounters = new Map<number, SlabCounters>();

  /** Counts an event on an item of `size` bytes, globally and for its slab class. */
  count(counter: SlabCounter, size: number): void {
    this.counters[counter]++;
    const cls = slabClassOf(this.slabSizes, size);
    let entry = this.slabCounters.get(cls);
    if (entry === undefined) {
      entry = { get_hits: 0, cmd_set: 0, delete_hits: 0, incr_hits: 0, decr_hits: 0, cas_hits: 0, cas_badval: 0, touch_hits: 0 };
      this.slabCounters.set(cls, entry);
    }
    entry[counter]++;
  }

  resetCounters(): void {
    Object.assign(this.counters, newCounters());
    this.slabCounters.clear();
  }

  touch(key: string, exptime: number): Item | undefined {
    const item = this.find(key);
    if (item === undefined) return undefined;
    item.exptime = exptime;
    this.touchRead(item, true);
    return item;
  }

  /**
   * incr/decr: 64-bit wrap on incr, floor at zero on decr. A result no longer than the old value
   * overwrites it space-padded, as memcached does when nobody else references the item; `pinned`
   * items (queued in an unsent reply) get a fresh item instead.
   */
  delta(key: string, incr: boolean, delta: bigint, cas?: bigint, pinned?: ReadonlySet<object>): DeltaResult {
    const item = this.find(key);
    if (item === undefined) return { kind: 'NOT_FOUND' };
    // Order as in memcached: an empty value fails before the CAS check, any other value after it.
    if (item.value.length === 0) return { kind: 'NON_NUMERIC' };
    // A CAS of 0 means "no CAS" to memcached's arithmetic.
    if (cas !== undefined && cas !== 0n && BigInt(item.cas) !== cas) return { kind: 'EXISTS' };
    const current = parseStoredNumber(item.value);
    if (current === null) return { kind: 'NON_NUMERIC' };
    let next: bigint;
    if (incr) next = (current + delta) & U64_MAX;
    else next = delta > current ? 0n : current - delta;
    const text = next.toString();
    if (text.length <= item.value.length && !pinned?.has(item)) {
      // Same-length rewrite keeps the item, like memcached's in-place update; a new CAS marks the change.
      const value = Buffer.alloc(item.value.length, 0x20);
      value.write(text, 0, 'latin1');
      item.value = value;
      item.cas = this.nextCas++;
      // Arithmetic does not count as a fetch in memcached (no FETCHED mark, no bump).
      return { kind: 'ok', value: next, item };
    }
    const value = Buffer.from(text, 'latin1');
    const size = itemSize(key.length, value.length, item.flags);
    // A re-allocated item starts with clean per-item marks, as in memcached.
    const replacement: Item = {
      ...item,
      value,
      size,
      cas: this.nextCas++,
      time: this.now(),
      fetched: false,
      active: false,
      stale: false,
      tokenSent: false,
      binaryKey: false,
    };
    this.link(replacement);
    return { kind: 'ok', value: next, item: replacement };
  }

  /** The LRU crawler's pass: expired items of the given classes (all when null) are reclaimed now. */
  reapExpired(classes: Set<number> | null): void {
    const now = this.now();
    for (const item of [...this.items.values()]) {
      if (this.isLive(item, now)) continue;
      if (classes !== null && !classes.has(slabClassOf(this.slabSizes, item.size))) continue;
      this.counters.crawler_reclaimed++;
      this.unlink(item);
    }
  }

  /** `slabs reassign src dst`: the reply line, as memcached's checks order it. */
  reassign(src: number, dst: number): string {
    if (src === dst) return 'SAME src and dst class are identical\r\n';
    const largest = this.slabSizes.length;
    if (src < 0 || src > largest || dst < 0 || dst > largest) return 'BADCLASS invalid src or dst class id\r\n';
    return 'NOSPARE source class has no spare pages\r\n';
  }

  *all(): IterableIterator<Item> {
    yield* this.items.values();
  }
}

/** memcached's histogram buckets: item sizes rounded up to a multiple of 32. */
function sizeBucket(size: number): number {
  return Math.ceil(size / 32) * 32;
}

/** strtoull over the stored bytes: optional leading whitespace, digits, then whitespace or end. */
function parseStoredNumber(value: Buffer): bigint | null {
  let i = 0;
  const n = value.length;
  while (i < n && isSpace(value[i]!)) i++;
  if (i < n && value[i] === 0x2b) i++;
  const start = i;
  while (i < n && value[i]! >= 0x30 && value[i]! <= 0x39) i++;
  if (i === start) return null;
  if (i < n && !isSpace(value[i]!)) return null;
  const v = BigInt(value.toString('latin1', start, i));
  return v > U64_MAX ? null : v;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
