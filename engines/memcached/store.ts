// The item table: items by key, held in slab chunks and segmented LRUs; expiry, flush and CAS.
// Protocol front-ends (text, meta, binary) decide replies; this file decides what happens to items.
import type { Clock } from './clock.ts';
import { DEFAULT_GEOMETRY, itemSize, slabChunkMax, slabClassSizes, type Item, type SlabGeometry } from './item.ts';
import { CLOCK_START_OFFSET, DEFAULT_HASHPOWER, ITEM_CAS_SIZE, ITEM_CHUNK_HEADER_SIZE, ITEM_HEADER_SIZE, REALTIME_MAXDELTA, U64_MAX } from './limits.ts';
import { signedU64 } from './numbers.ts';
import { LruCrawler, type CrawlerSettings } from './crawler.ts';
import { Segment, SegmentedLru, type LruSettings } from './lru.ts';
import { SlabAllocator, type Page } from './slabs.ts';
import { SlabAutomover, type AutomoveSettings } from './slab-automove.ts';
import { SlabMover } from './slab-mover.ts';
import { newCounters, type Counters } from './stats-counters.ts';
import type { WatchLog } from './watch.ts';

export type StoreMode = 'set' | 'add' | 'replace' | 'append' | 'prepend';
// NO_MEMORY_READ: a chunked item's header was allocated but a chunk of its value was not (memcached
// allocates those while it reads the value, and answers 'Out of memory during read').
export type StoreResult = 'STORED' | 'NOT_STORED' | 'EXISTS' | 'NOT_FOUND' | 'TOO_LARGE' | 'NO_MEMORY' | 'NO_MEMORY_READ';
export type DeltaResult =
  | { kind: 'ok'; value: bigint; item: Item }
  | { kind: 'NOT_FOUND' }
  | { kind: 'NON_NUMERIC' }
  | { kind: 'EXISTS' }
  | { kind: 'NO_MEMORY' };

/** do_item_alloc_pull: how many times an allocation evicts (or demotes) and retries before giving up. */
const ALLOC_ATTEMPTS = 10;
/** How often the LRU maintainer runs (memcached's thread sleeps between 1 ms and 1 s). */
const MAINTAINER_INTERVAL_MS = 20;
/** Milliseconds one maintainer pass may run before it yields the event loop. */
const MAINTAINER_BUDGET_MS = 4;
/** How often `slabs automove 1` samples the classes. */
const AUTOMOVE_INTERVAL_MS = 1000;

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
  /** memcached -C (cas_disabled): every item's CAS is 0. */
  casDisabled?: boolean;
  /** The LRU tuning (`lru tune`, `lru mode`, `lru temp_ttl`), read live. */
  lru?: LruSettings;
  /** `slabs automove` level and its tuning, read live (1 = the windowed balancer, 2 = a page per eviction). */
  automove?: AutomoveSettings;
  /** false: no LRU maintainer (memcached -o no_lru_maintainer), and so no automove 1 or autocrawl either, which it runs. */
  maintainer?: boolean;
  /** The LRU crawler's switch and tuning, read live (default: on, memcached's defaults). */
  crawler?: CrawlerSettings;
  /** The hash table's initial power of two (-o hashpower, else 16) and whether it grows (-o no_hashexpand). */
  hashPower?: number;
  hashExpand?: boolean;
}

const DEFAULT_LRU: LruSettings = {
  lruSegmented: true,
  hotLruPct: 20,
  warmLruPct: 40,
  hotMaxFactor: 0.2,
  warmMaxFactor: 2,
  tempLru: false,
  temporaryTtl: 61,
};

export class ItemStore {
  readonly counters: Counters = newCounters();
  readonly slabSizes: number[];
  readonly geometry: SlabGeometry;
  readonly startedAt: number;
  readonly maxItemSize: number;
  readonly slabs: SlabAllocator;
  readonly lru: SegmentedLru;
  readonly mover: SlabMover;
  readonly crawler: LruCrawler;
  private readonly chunkMax: number;
  /** -M turns this off: a store that finds no memory fails instead of evicting a live item. */
  readonly evictLive: boolean;
  bytes = 0;
  private readonly items = new Map<string, Item>();
  private nextCas = 1;
  private readonly casDisabled: boolean;
  /** stats hash_power_level: the hash table has 2^hashPower buckets. */
  hashPower: number;
  private readonly hashExpand: boolean;
  /** flush_all: items last linked or bumped at or before `oldestLive`, or older than `oldestCas`, are gone once it has come. */
  private flushing = false;
  private oldestLive = 0;
  private oldestCas = 0;
  private readonly clock: Clock;
  private readonly log: WatchLog | undefined;
  /** `stats sizes` histogram (32-byte buckets of item size), null while disabled. */
  private sizeHistogram: Map<number, number> | null = null;
  /** Items older than the histogram (lower CAS) were never added to it, so are not taken out. */
  private sizesCasMin = 0;
  private readonly maintainer: NodeJS.Timeout | undefined;
  private balancer: NodeJS.Timeout | undefined;

  constructor(options: StoreOptions) {
    this.maxItemSize = options.maxItemSize;
    this.evictLive = !options.errorOnMemoryExhausted;
    this.casDisabled = options.casDisabled === true;
    this.hashPower = options.hashPower ?? DEFAULT_HASHPOWER;
    this.hashExpand = options.hashExpand !== false;
    this.clock = options.clock;
    this.log = options.log;
    this.geometry = options.geometry ?? DEFAULT_GEOMETRY;
    this.slabSizes = slabClassSizes(options.maxItemSize, this.geometry);
    this.chunkMax = slabChunkMax(options.maxItemSize, this.geometry);
    this.startedAt = this.now();
    this.slabs = new SlabAllocator(this.slabSizes, options.memoryLimit);
    const automove = options.automove ?? { slabAutomove: 0, slabAutomoveRatio: 0.8, slabAutomoveWindow: 30 };
    this.lru = new SegmentedLru(this.slabSizes.length, options.lru ?? DEFAULT_LRU, {
      now: () => this.now(),
      isReclaimable: (item, now) => (item.exptime !== 0 && item.exptime < now) || this.isFlushed(item, now),
      remove: (item) => this.unlink(item),
      onEvict: (item, cls) => {
        const now = this.now();
        this.log?.evicted(item, item.exptime === 0 ? -1 : item.exptime - now, now - item.time, cls);
        if (automove.slabAutomove === 2 && automove.slabReassign !== false) this.mover.request(-1, cls);
      },
      evictToFree: this.evictLive,
    });
    this.mover = new SlabMover(this.slabs, {
      rescue: (item, index, page) => this.rescue(item, index, page),
      evict: (item) => this.unlink(item),
      now: () => this.now(),
      isLive: (item, now) => this.isLive(item, now),
    });
    this.crawler = new LruCrawler(this.lru, options.crawler ?? { lruCrawler: true, lruCrawlerSleep: 100, lruCrawlerTocrawl: 0 }, {
      now: () => this.now(),
      isFlushed: (item, now) => this.isFlushed(item, now),
      remove: (item) => this.unlink(item),
    });
    if (options.maintainer === false) return;
    // The maintainer's first pass (memcached's comes a millisecond after start) starts the first autocrawl.
    this.crawler.maintainerCheck();
    this.maintainer = setInterval(() => this.maintain(), MAINTAINER_INTERVAL_MS);
    this.maintainer.unref();
    const automover = new SlabAutomover(this.slabs, this.lru, automove, () => this.now());
    // Once a second; straight again after handing a page to the global pool, as memcached does.
    const balance = () => {
      let delay = AUTOMOVE_INTERVAL_MS;
      if (automove.slabAutomove === 1 && automove.slabReassign !== false) {
        const move = automover.run();
        if (move !== null) {
          this.mover.request(move[0], move[1]);
          if (move[1] === 0) delay = MAINTAINER_INTERVAL_MS;
        }
      }
      this.balancer = setTimeout(balance, delay);
      this.balancer.unref();
    };
    this.balancer = setTimeout(balance, AUTOMOVE_INTERVAL_MS);
    this.balancer.unref();
  }

  get memoryLimit(): number {
    return this.slabs.memoryLimit;
  }

  set memoryLimit(limit: number) {
    this.slabs.memoryLimit = limit;
    this.slabs.releaseOverLimit();
  }

  /** Stops the background work (LRU maintainer, crawler, slab mover). */
  stop(): void {
    clearInterval(this.maintainer);
    clearTimeout(this.balancer);
    this.crawler.stop();
    this.mover.stop();
  }

  now(): number {
    return this.frozenNow >= 0 ? this.frozenNow : Math.floor(this.clock() / 1000);
  }

  /** The second the requests of one read run in (see freezeClock), -1 when now() reads the clock. */
  private frozenNow = -1;

  /**
   * The requests of one read run at the time `ms` (milliseconds of this store's clock), as in memcached,
   * whose clock a timer moves once a second: a set read the clock three times, 4% of its CPU.
   */
  freezeClock(ms: number): void {
    this.frozenNow = Math.floor(ms / 1000);
  }

  thawClock(): void {
    this.frozenNow = -1;
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
    return this.casDisabled ? 0 : this.nextCas++;
  }

  /**
   * One pass of memcached's LRU maintainer over the classes holding items: HOT and WARM tails move to
   * COLD as their share or age demands, expired and flushed tails are reclaimed. Each class is bounded.
   */
  maintain(): void {
    const deadline = performance.now() + MAINTAINER_BUDGET_MS;
    const classes = this.lru.queues.length - 1;
    // Classes in turn from where the last pass ran out of time, so none is starved.
    const start = this.maintainCursor;
    for (let n = 0; n < classes && performance.now() <= deadline; n++) {
      const cls = 1 + ((start + n) % classes);
      const q = this.lru.queues[cls]!;
      if (q[0]!.count + q[1]!.count + q[2]!.count + q[3]!.count > 0) this.lru.juggle(cls, deadline);
      this.maintainCursor = cls % classes;
    }
    this.crawler.maintainerCheck();
  }
  private maintainCursor = 0;

  /**
   * flush_all: nothing is freed here; items linked before the flush stop being visible and are
   * reclaimed from the LRU tails by the maintainer's next pass, or by the get that finds one first
   * (counted in get_flushed), as in memcached.
   */
  flush(delaySeconds: number): void {
    // With CAS on, the cut-off is a second before the flush time, and an immediate flush also cuts by
    // CAS so that items stored in the same second survive. Without CAS that second is lost too.
    this.flushing = true;
    const now = this.now();
    const cutoff = delaySeconds > 0 ? this.expiryFromWire(delaySeconds) : now;
    this.oldestLive = this.casDisabled ? cutoff : cutoff - 1;
    this.oldestCas = !this.casDisabled && this.oldestLive <= now ? this.nextCas : 0;
  }

  /** `stats settings` oldest: memcached's oldest_live on its own clock (0 before any flush; 1 for "long ago"). */
  get oldestLiveStat(): number {
    return this.oldestLive <= 1 ? this.oldestLive : this.oldestLive - this.startedAt + CLOCK_START_OFFSET;
  }

  private isFlushed(item: Item, now: number): boolean {
    // A flush time in the past before start-up (realtime 1) leaves oldest_live 0, which memcached reads
    // as no flush at all: it also lifts an earlier flush from items not yet reclaimed.
    if (!this.flushing || this.oldestLive > now || this.oldestLive === 0) return false;
    return item.time <= this.oldestLive || (this.oldestCas !== 0 && item.cas < this.oldestCas);
  }

  isLive(item: Item, now: number): boolean {
    return (item.exptime === 0 || item.exptime > now) && !this.isFlushed(item, now);
  }

  /**
   * do_item_get: live item or undefined; an expired or flushed one found here is reclaimed and counted in
   * get_expired/get_flushed, whichever command looked (memcached counts sets, deletes, touches and
   * arithmetic that find one too).
   */
  find(key: string): Item | undefined {
    const item = this.items.get(key);
    if (item === undefined) {
      this.log?.fetched(key, undefined, 'not_found', 0);
      return undefined;
    }
    const now = this.now();
    if (this.isFlushed(item, now)) {
      this.counters.get_flushed++;
      this.unlink(item);
      this.log?.fetched(key, undefined, 'flushed', 0);
      return undefined;
    }
    if (item.exptime !== 0 && item.exptime <= now) {
      this.counters.get_expired++;
      this.unlink(item);
      this.log?.fetched(key, undefined, 'expired', 0);
      return undefined;
    }
    this.log?.fetched(key, item, 'found', item.clsid);
    return item;
  }

  /** A fetch or touch: the LRU's hit marks and bump (`bump` false = the meta no-bump flag). */
  touchRead(item: Item, bump: boolean): void {
    if (!bump) return;
    this.lru.bump(item, this.now());
  }

  /** ITEM_ntotal: the bytes an item of this key, value and flags takes (no CAS field under -C). */
  itemSize(keyLength: number, valueLength: number, flags: number): number {
    return itemSize(keyLength, valueLength, flags, !this.casDisabled);
  }

  itemFits(keyLength: number, valueLength: number, flags: number): boolean {
    return this.itemSize(keyLength, valueLength, flags) <= this.maxItemSize;
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
    // A value that ran out of memory while being read never reaches the store, nor its log.
    if (this.log?.wants('mutations') && outcome.result !== 'NO_MEMORY_READ') {
      // memcached logs the item it built for the request, stored or not.
      const it = outcome.item;
      const size = it?.value.length ?? value.length;
      const exp = it?.exptime ?? exptime;
      const ttl = exp === 0 ? 0 : exp - this.now();
      const cmd = cas !== undefined && (mode === 'set' || mode === 'replace') ? 'cas' : mode;
      const clsid = it?.clsid ?? this.slabs.classFor(this.itemSize(key.length, value.length, flags));
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
    // Keys are latin1 strings, one char per byte.
    const size = this.itemSize(key.length, value.length, flags);
    if (size > this.maxItemSize) return { result: 'TOO_LARGE' };
    // memcached allocates the new item before it looks at the old one: the allocation may evict, even
    // when the command then fails. Whether a refused store drops the old value depends on the command
    // (its protocol handler decides).
    this.chunkFailed = false;
    let item = this.newItem(key, value, flags, exptime, size);
    // The header was there: nothing counted, the old value left in place.
    if (item === null && this.chunkFailed) return { result: 'NO_MEMORY_READ' };
    if (item === null) {
      this.counters.store_no_memory++;
      return { result: 'NO_MEMORY' };
    }
    const old = this.find(key);
    let stale = false;
    // add ignores a CAS, and so do append/prepend when it is 0; they report a missing item as
    // NOT_STORED rather than NOT_FOUND.
    const concat = mode === 'append' || mode === 'prepend';
    const fail = (result: StoreResult) => {
      this.release(item!);
      return { result };
    };
    // memcached's compare-and-swap (NREAD_CAS: text cas, ms with C, binary set/replace/add with a CAS)
    // counts itself, hits and bad values in the old item's slab class; append/prepend with a CAS do not.
    const counted = cas !== undefined && !concat;
    if (cas !== undefined && mode !== 'add' && !(concat && cas === 0n)) {
      if (old === undefined) {
        if (counted) this.counters.cas_misses++;
        return fail(concat ? 'NOT_STORED' : 'NOT_FOUND');
      }
      const current = BigInt(old.cas);
      // Without CAS memcached never matches one (a cas of 0 against an item's 0 included).
      if (cas !== current || this.casDisabled) {
        // A CAS of 0 compares as none (EXISTS), even with I.
        if (invalidate && !concat && cas !== 0n && cas < current) stale = true;
        else {
          if (counted) this.count('cas_badval', old.size);
          return fail('EXISTS');
        }
      }
      if (counted) this.count('cas_hits', old.size);
    }
    switch (mode) {
      case 'add':
        // A failed add refreshes the item's LRU position but does not count as a fetch.
        if (old !== undefined) {
          old.time = this.now();
          return fail('NOT_STORED');
        }
        break;
      case 'replace':
      case 'append':
      case 'prepend':
        if (old === undefined) return fail('NOT_STORED');
        break;
      case 'set':
        break;
    }
    // A stale write (meta set I with an older CAS) replaces the value but keeps the old item's TTL.
    if (stale && old !== undefined) item.exptime = old.exptime;
    if (old !== undefined && concat) {
      // The joined value is a second allocation, as in memcached.
      const joined = mode === 'append' ? Buffer.concat([old.value, value]) : Buffer.concat([value, old.value]);
      const joinedSize = this.itemSize(key.length, joined.length, old.flags);
      // Copied in two runs (old value without its CRLF, then the new one with it, or the other way round).
      const runs = mode === 'append' ? [old.value.length, value.length + 2] : [value.length, old.value.length + 2];
      const combined = joinedSize > this.maxItemSize ? null : this.newItem(key, joined, old.flags, old.exptime, joinedSize, runs);
      this.release(item);
      if (combined === null) return { result: 'NOT_STORED' };
      item = combined;
    }
    item.stale = stale;
    // A stale write keeps the old item's recache state, so a pending winner is not duplicated.
    item.tokenSent = stale && old !== undefined && old.tokenSent;
    this.link(item);
    return { result: 'STORED', item };
  }

  /**
   * do_item_alloc: an unlinked item holding its chunks, or null when memory cannot be found. `copies`:
   * the value is assembled from existing items in runs of these lengths (append/prepend) rather than
   * read from the network, which chains chunks differently.
   */
  private newItem(key: string, value: Buffer, flags: number, exptime: number, size: number, copies?: number[]): Item | null {
    const clsid = this.slabs.classFor(size);
    const now = this.now();
    const item: Item = {
      key,
      value,
      flags,
      exptime,
      cas: 0,
      time: now,
      fetched: false,
      active: false,
      stale: false,
      tokenSent: false,
      binaryKey: false,
      size,
      clsid,
      segment: Segment.Hot,
      newer: null,
      older: null,
      chunks: [],
    };
    if (size <= this.chunkMax) {
      const chunk = this.allocPull(clsid, item);
      if (chunk === null) {
        this.lru.stats[clsid]!.outofmemory++;
        return null;
      }
      item.chunks.push(chunk);
      return item;
    }
    // A chunked item: a header (key, flags, CAS and a chunk header) in a class of its own size, then the
    // value (with its CRLF) in chunks of the largest class, the last one in the smallest class that fits.
    const header = ITEM_HEADER_SIZE + key.length + 1 + (flags !== 0 ? 4 : 0) + ITEM_CHUNK_HEADER_SIZE + (this.casDisabled ? 0 : ITEM_CAS_SIZE);
    // A slab_chunk_max too small for the header or for a chunk's own header leaves no room to chain
    // into (memcached overruns its chunk and crashes): nothing that size can be stored.
    if (header > this.chunkMax || this.chunkMax <= ITEM_CHUNK_HEADER_SIZE) {
      this.lru.stats[clsid]!.outofmemory++;
      return null;
    }
    const head = this.allocPull(this.slabs.classFor(header), item);
    if (head === null) {
      this.lru.stats[clsid]!.outofmemory++;
      return null;
    }
    item.chunks.push(head);
    if (copies === undefined) {
      // Read from the network: a chunk is chained whenever more bytes are still to come.
      for (let remaining = value.length + 2; remaining > 0; ) {
        const room = this.chainChunk(item, remaining);
        if (room === null) {
          this.chunkFailed = true;
          return null;
        }
        remaining -= room;
      }
      return item;
    }
    // memcached's chunk copy fills the current chunk and, each time it is full, chains one sized for
    // what is left of the run, even when nothing is (an empty smallest-class chunk).
    let free = 0;
    for (const run of copies) {
      for (let remaining = run; remaining > 0; ) {
        const todo = Math.min(free, remaining);
        free -= todo;
        remaining -= todo;
        if (free > 0) continue;
        const room = this.chainChunk(item, remaining);
        if (room === null) return null;
        free = room;
      }
    }
    return item;
  }

  /** Set when newItem's last failure was a chunk of a value read from the network, not its header. */
  private chunkFailed = false;

  /** do_item_alloc_chunk: chains a chunk for `remaining` value bytes; its data room, or null (item released). */
  private chainChunk(item: Item, remaining: number): number | null {
    let want = Math.min(remaining + ITEM_CHUNK_HEADER_SIZE, this.chunkMax);
    let chunk = this.allocPull(this.slabs.classFor(want), item);
    // The short last chunk falls back to a full-size one when its class has no memory.
    if (chunk === null && want !== this.chunkMax) {
      want = this.chunkMax;
      chunk = this.allocPull(this.slabs.classFor(want), item);
    }
    if (chunk === null) {
      this.release(item);
      return null;
    }
    item.chunks.push(chunk);
    return want - ITEM_CHUNK_HEADER_SIZE;
  }

  /**
   * do_item_alloc_pull: a chunk of the class, evicting the COLD tail (or, with nothing there, demoting
   * the HOT tail) between attempts.
   */
  private allocPull(cls: number, owner: Item): number | null {
    const segmented = this.lru.settingsSegmented();
    let chunk: number | null = null;
    let i = 0;
    for (; i < ALLOC_ATTEMPTS; i++) {
      if (!segmented) this.lru.pullTail(cls, Segment.Cold, 0, false, 0);
      chunk = this.slabs.alloc(cls, owner);
      if (chunk !== null) break;
      if (this.lru.pullTail(cls, Segment.Cold, 0, true, 0) <= 0) {
        if (!segmented) break;
        this.lru.pullTail(cls, Segment.Hot, 0, false, 0);
      }
    }
    if (i > 0) this.lru.stats[cls]!.direct_reclaims += i;
    return chunk;
  }

  /** Frees the chunks of an item that was never linked (or has just been unlinked). */
  private release(item: Item): void {
    for (const chunk of item.chunks) this.slabs.free(chunk);
    item.chunks = [];
  }

  /** Links an allocated item under its key (replacing any other) with a fresh CAS. */
  private link(item: Item): void {
    const old = this.items.get(item.key);
    if (old !== undefined) this.unlinkFound(old);
    item.cas = this.newCas();
    item.time = this.now();
    this.items.set(item.key, item);
    // memcached doubles its table once it holds more than 1.5 items a bucket (its clock checks every second
    // and a thread of its own moves the buckets; a client sees the new level in stats).
    if (this.hashExpand && this.hashPower < 32 && this.items.size > 1.5 * 2 ** this.hashPower) this.hashPower++;
    this.lru.linkNew(item, item.time);
    this.bytes += item.size;
    this.counters.total_items++;
    if (this.sizeHistogram !== null) {
      const bucket = sizeBucket(item.size);
      this.sizeHistogram.set(bucket, (this.sizeHistogram.get(bucket) ?? 0) + 1);
    }
  }

  unlink(item: Item): void {
    if (this.items.get(item.key) === item) this.unlinkFound(item);
  }

  /** unlink for the item the table holds under its key (just looked up). */
  private unlinkFound(item: Item): void {
    this.items.delete(item.key);
    this.lru.unlink(item);
    this.bytes -= item.size;
    this.sizesRemove(item);
    this.release(item);
  }

  /**
   * The slab mover's rescue of one chunk: it moves to a free chunk of its class outside the page being
   * emptied. An item's own (first) chunk is copied as memcached copies the item, relinked at the head of
   * its queue with key, value and CAS kept; a chained chunk is only repointed.
   */
  private rescue(item: Item, index: number, page: Page): boolean {
    const chunk = this.slabs.allocOutside(page.cls, item);
    if (chunk === null) return false;
    this.slabs.free(item.chunks[index]!);
    item.chunks[index] = chunk;
    if (index > 0) return true;
    this.lru.unlink(item);
    item.time = this.now();
    this.lru.link(item, item.segment);
    // memcached relinks the copy as a new item.
    this.counters.total_items++;
    return true;
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

  readonly slabCounters = new Map<number, SlabCounters>();

  /** Counts an event on an item of `size` bytes, globally and for its slab class; get hits also per LRU segment. */
  count(counter: SlabCounter, size: number, item?: Item): void {
    this.counters[counter]++;
    const cls = this.slabs.classFor(size);
    let entry = this.slabCounters.get(cls);
    if (entry === undefined) {
      entry = { get_hits: 0, cmd_set: 0, delete_hits: 0, incr_hits: 0, decr_hits: 0, cas_hits: 0, cas_badval: 0, touch_hits: 0 };
      this.slabCounters.set(cls, entry);
    }
    entry[counter]++;
    if (counter === 'get_hits' && item !== undefined) this.lru.countHit(item);
  }

  resetCounters(): void {
    Object.assign(this.counters, newCounters());
    this.slabCounters.clear();
    this.lru.resetStats();
    this.mover.resetStats();
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
      item.cas = this.newCas();
      // Arithmetic does not count as a fetch in memcached (no FETCHED mark, no bump).
      return { kind: 'ok', value: next, item };
    }
    const value = Buffer.from(text, 'latin1');
    // A re-allocated item starts with clean per-item marks, as in memcached.
    const replacement = this.newItem(key, value, item.flags, item.exptime, this.itemSize(key.length, value.length, item.flags));
    if (replacement === null) return { kind: 'NO_MEMORY' };
    this.link(replacement);
    return { kind: 'ok', value: next, item: replacement };
  }

  /** `slabs reassign src dst`: the reply line, as memcached's checks order it. */
  reassign(src: number, dst: number): string {
    return this.mover.request(src, dst);
  }

  *all(): IterableIterator<Item> {
    yield* this.items.values();
  }
}

/** memcached's histogram buckets: item sizes rounded up to a multiple of 32. */
function sizeBucket(size: number): number {
  return Math.ceil(size / 32) * 32;
}

/**
 * safe_strtoull over the stored bytes: optional leading whitespace and sign, digits, then whitespace, the
 * end, or a NUL byte (the C string ends there, whatever follows it).
 */
function parseStoredNumber(value: Buffer): bigint | null {
  let i = 0;
  const n = value.length;
  while (i < n && isSpace(value[i]!)) i++;
  const negative = value[i] === 0x2d;
  if (negative || value[i] === 0x2b) i++;
  const start = i;
  while (i < n && value[i]! >= 0x30 && value[i]! <= 0x39) i++;
  if (i === start) return null;
  if (i < n && !isSpace(value[i]!) && value[i] !== 0) return null;
  return signedU64(negative, BigInt(value.toString('latin1', start, i)));
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
