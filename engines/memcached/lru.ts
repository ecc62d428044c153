// memcached 1.6's segmented LRU: per slab class a HOT, WARM, COLD and TEMP queue. New items enter HOT
// (TEMP when their TTL is short and temp_lru is on); the maintainer (`juggle`) moves HOT and WARM tails
// to COLD when their segment is over its share of the class's bytes or older than allowed; a second
// hit marks an item ACTIVE, which earns it WARM instead of eviction. Eviction takes the COLD tail.
import type { Item } from './item.ts';

export const enum Segment {
  Hot = 0,
  Warm = 1,
  Cold = 2,
  Temp = 3,
}

export interface LruSettings {
  lruSegmented: boolean;
  hotLruPct: number;
  warmLruPct: number;
  hotMaxFactor: number;
  warmMaxFactor: number;
  tempLru: boolean;
  temporaryTtl: number;
}

/** What the LRU asks of the item table: time, expiry, and removing items it reclaims or evicts. */
export interface LruHost {
  now(): number;
  /** Expired (strictly before now) or flushed: the tail walk reclaims it. */
  isReclaimable(item: Item, now: number): boolean;
  /** Unlinks the item and frees its chunks. */
  remove(item: Item): void;
  /** Bookkeeping of an eviction beyond the class's own counters (global stats, watch log, automove). */
  onEvict(item: Item, cls: number): void;
  /** -M: the COLD tail is never evicted. */
  readonly evictToFree: boolean;
}

/** Per-class counters of `stats items`, named as memcached prints them. */
export function newItemStats() {
  return {
    evicted: 0,
    evicted_nonzero: 0,
    evicted_time: 0,
    outofmemory: 0,
    tailrepairs: 0,
    reclaimed: 0,
    expired_unfetched: 0,
    evicted_unfetched: 0,
    evicted_active: 0,
    crawler_reclaimed: 0,
    crawler_items_checked: 0,
    lrutail_reflocked: 0,
    moves_to_cold: 0,
    moves_to_warm: 0,
    moves_within_lru: 0,
    direct_reclaims: 0,
    hits_to_hot: 0,
    hits_to_warm: 0,
    hits_to_cold: 0,
    hits_to_temp: 0,
  };
}
export type ItemStats = ReturnType<typeof newItemStats>;

/** A doubly linked queue, head = most recently linked. */
export class Queue {
  head: Item | null = null;
  tail: Item | null = null;
  count = 0;
  bytes = 0;
  /**
   * Where the LRU crawler walking this queue stands (crawler.ts): the next item it looks at, null once it
   * has reached the head, undefined when no crawl is walking it. Kept in place as items come and go.
   */
  crawlNext: Item | null | undefined = undefined;

  pushHead(item: Item): void {
    if (this.crawlNext === null) this.crawlNext = item;
    item.older = this.head;
    item.newer = null;
    if (this.head !== null) this.head.newer = item;
    this.head = item;
    if (this.tail === null) this.tail = item;
    this.count++;
    this.bytes += item.size;
  }

  remove(item: Item): void {
    if (this.crawlNext === item) this.crawlNext = item.newer;
    if (item.newer !== null) item.newer.older = item.older;
    else this.head = item.older;
    if (item.older !== null) item.older.newer = item.newer;
    else this.tail = item.newer;
    item.newer = item.older = null;
    this.count--;
    this.bytes -= item.size;
  }

  *fromTail(): IterableIterator<Item> {
    for (let it = this.tail; it !== null; ) {
      const newer = it.newer;
      yield it;
      it = newer;
    }
  }

  *fromHead(): IterableIterator<Item> {
    for (let it = this.head; it !== null; ) {
      const older = it.older;
      yield it;
      it = older;
    }
  }
}

/** How many tail items one pull looks at (memcached's `tries`). */
const PULL_TRIES = 5;
/** Moves per class per maintainer pass, as memcached's juggle loop. */
const JUGGLE_MOVES = 500;

export class SegmentedLru {
  /** queues[cls][segment]. */
  readonly queues: Queue[][] = [];
  readonly stats: ItemStats[] = [];

  constructor(
    classCount: number,
    private readonly settings: LruSettings,
    private readonly host: LruHost,
  ) {
    for (let cls = 0; cls <= classCount; cls++) {
      this.queues.push([new Queue(), new Queue(), new Queue(), new Queue()]);
      this.stats.push(newItemStats());
    }
  }

  settingsSegmented(): boolean {
    return this.settings.lruSegmented;
  }

  resetStats(): void {
    for (let cls = 0; cls < this.stats.length; cls++) this.stats[cls] = newItemStats();
  }

  /** do_item_link_q with the segment do_item_alloc picks for a new item. */
  linkNew(item: Item, now: number): void {
    let segment = Segment.Cold;
    const ttl = item.exptime - now;
    if (this.settings.tempLru && item.exptime !== 0 && ttl >= 0 && ttl <= this.settings.temporaryTtl) segment = Segment.Temp;
    else if (this.settings.lruSegmented) segment = Segment.Hot;
    this.link(item, segment);
  }

  link(item: Item, segment: Segment): void {
    item.segment = segment;
    this.queues[item.clsid]![segment]!.pushHead(item);
  }

  unlink(item: Item): void {
    this.queues[item.clsid]![item.segment]!.remove(item);
  }

  private moveTo(item: Item, segment: Segment): void {
    this.unlink(item);
    this.link(item, segment);
  }

  /** A fetch hit, before the bump: counted against the segment the item is in. */
  countHit(item: Item): void {
    const s = this.stats[item.clsid]!;
    switch (item.segment) {
      case Segment.Hot:
        s.hits_to_hot++;
        break;
      case Segment.Warm:
        s.hits_to_warm++;
        break;
      case Segment.Cold:
        s.hits_to_cold++;
        break;
      case Segment.Temp:
        s.hits_to_temp++;
        break;
    }
  }

  /**
   * do_item_bump: the first hit marks an item fetched, the second active. An active hit in COLD moves
   * the item to WARM (memcached does it in its maintainer a moment later); elsewhere it refreshes the time.
   */
  bump(item: Item, now: number): void {
    if (!this.settings.lruSegmented) {
      item.fetched = true;
      if (item.time < now - 60) {
        item.time = now;
        this.moveTo(item, item.segment);
      }
      return;
    }
    if (item.active) return;
    if (!item.fetched) {
      item.fetched = true;
      return;
    }
    item.active = true;
    item.time = now;
    if (item.segment === Segment.Cold) {
      item.active = false;
      this.moveTo(item, Segment.Warm);
      this.stats[item.clsid]!.moves_to_warm++;
    }
  }

  /**
   * lru_pull_tail: looks at up to 5 items from the tail of one segment, reclaiming expired ones on the
   * way, and acts on the first live one. Returns how many items it removed or moved.
   */
  pullTail(cls: number, segment: Segment, totalBytes: number, evict: boolean, maxAge: number): number {
    const queue = this.queues[cls]![segment]!;
    const stats = this.stats[cls]!;
    const now = this.host.now();
    let removed = 0;
    let tries = PULL_TRIES;
    for (let search = queue.tail; tries > 0 && search !== null; tries--) {
      const next = search.newer;
      if (this.host.isReclaimable(search, now)) {
        stats.reclaimed++;
        if (!search.fetched) stats.expired_unfetched++;
        this.host.remove(search);
        removed++;
        search = next;
        continue;
      }
      switch (segment) {
        case Segment.Hot:
        case Segment.Warm: {
          let limit = segment === Segment.Hot ? Math.floor((totalBytes * this.settings.hotLruPct) / 100) : 0;
          if (limit === 0) limit = Math.floor((totalBytes * this.settings.warmLruPct) / 100);
          if (search.active) {
            search.active = false;
            removed++;
            if (segment === Segment.Warm) {
              stats.moves_within_lru++;
              this.moveTo(search, Segment.Warm);
              // memcached keeps walking after a rescue within WARM.
              search = next;
              continue;
            }
            stats.moves_to_warm++;
            this.moveTo(search, Segment.Warm);
          } else if (queue.bytes > limit || now - search.time > maxAge) {
            stats.moves_to_cold++;
            this.moveTo(search, Segment.Cold);
            removed++;
          }
          return removed;
        }
        case Segment.Cold:
          if (evict) {
            if (!this.host.evictToFree) return removed;
            stats.evicted++;
            stats.evicted_time = now - search.time;
            if (search.exptime !== 0) stats.evicted_nonzero++;
            if (!search.fetched) stats.evicted_unfetched++;
            if (search.active) stats.evicted_active++;
            this.host.onEvict(search, cls);
            this.host.remove(search);
            removed++;
          } else if (search.active && this.settings.lruSegmented) {
            stats.moves_to_warm++;
            search.active = false;
            this.moveTo(search, Segment.Warm);
            removed++;
          }
          return removed;
        case Segment.Temp:
          return removed;
      }
    }
    return removed;
  }

  /**
   * lru_maintainer_juggle for one class: TEMP reclaims, then HOT/WARM/COLD moves, at most 500 each,
   * stopping early past `deadline` (performance.now() ms) so a pass never holds the event loop long.
   */
  juggle(cls: number, deadline = Infinity): number {
    let moves = 0;
    if (this.settings.tempLru) {
      for (let i = 0; i < JUGGLE_MOVES; i++) {
        if (this.pullTail(cls, Segment.Temp, 0, false, 0) <= 0) break;
        moves++;
      }
    }
    const q = this.queues[cls]!;
    let hotAge = 0;
    let warmAge = 0;
    let totalBytes = 0;
    if (this.settings.lruSegmented) {
      const now = this.host.now();
      const coldTail = q[Segment.Cold]!.tail;
      const coldAge = coldTail === null ? 0 : now - coldTail.time;
      hotAge = Math.floor(coldAge * this.settings.hotMaxFactor);
      warmAge = Math.floor(coldAge * this.settings.warmMaxFactor);
      totalBytes = q[Segment.Cold]!.bytes + q[Segment.Hot]!.bytes + q[Segment.Warm]!.bytes;
    }
    for (let i = 0; i < JUGGLE_MOVES; i++) {
      if (i % 32 === 31 && performance.now() > deadline) break;
      let more = 0;
      if (this.pullTail(cls, Segment.Hot, totalBytes, false, hotAge) > 0 || this.pullTail(cls, Segment.Warm, totalBytes, false, warmAge) > 0) more++;
      if (this.settings.lruSegmented) more += this.pullTail(cls, Segment.Cold, totalBytes, false, 0);
      if (more === 0) break;
      moves++;
    }
    return moves;
  }

  classItems(cls: number): { count: number; bytes: number } {
    let count = 0;
    let bytes = 0;
    for (const q of this.queues[cls]!) {
      count += q.count;
      bytes += q.bytes;
    }
    return { count, bytes };
  }
}
