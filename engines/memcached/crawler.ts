// memcached 1.6's LRU crawler: a walker per sub-LRU (slab class x HOT/WARM/COLD/TEMP) that moves from the
// tail toward the head, one item per sub-LRU in turn, reclaiming expired and flushed items. Started by
// `lru_crawler crawl` or, once a second, by the LRU maintainer's autocrawl schedule
// (lru_maintainer_crawler_check): every sub-LRU is crawled at start-up, then again when the last crawl's
// TTL histogram says at least 1% of its expirable items will expire within the wait, the wait growing a
// minute for each crawl that found nothing due (up to an hour). Walked in slices so a big cache never
// holds the event loop.
import type { Item } from './item.ts';
import { Queue, type SegmentedLru } from './lru.ts';

/** Sub-LRU ids as memcached numbers them: class | HOT 0, WARM 64, COLD 128, TEMP 192. */
const SUB_LRUS = 256;
const SEGMENT_SHIFT = 6;
const CLASS_MASK = 63;
/** settings.crawls_persleep: items crawled between two lru_crawler_sleep pauses (here: between two turns). */
const CRAWLS_PER_SLEEP = 1000;
/** MAX_MAINTCRAWL_WAIT: every sub-LRU is crawled at least once an hour. */
const MAX_AUTOCRAWL_WAIT = 3600;
/** Autocrawls are refused this long after a crawl of another kind was found running. */
const AUTOCRAWL_BLOCK = 60;
/** Stands in for the sub-LRUs of classes past the last one: nothing to walk. */
const emptyQueue = new Queue();

export interface CrawlerSettings {
  /** The crawler thread runs (-o no_lru_crawler, `lru_crawler enable|disable`). */
  lruCrawler: boolean;
  /** Microseconds paused after every 1000 items. */
  lruCrawlerSleep: number;
  /** Items crawled per sub-LRU and run (0 = all). */
  lruCrawlerTocrawl: number;
}

/** What the crawler asks of the item table. */
export interface CrawlerHost {
  now(): number;
  isFlushed(item: Item, now: number): boolean;
  /** Unlinks the item and frees its chunks. */
  remove(item: Item): void;
}

/** The autocrawl's findings per sub-LRU (crawlerstats_t): what its schedule is decided by. */
interface SubLruFindings {
  seen: number;
  noexp: number;
  reclaimed: number;
  /** Live items by minutes of TTL left (0..60). */
  histo: number[];
  runComplete: boolean;
}

type CrawlKind = 'expired' | 'autoexpire';
export type CrawlStart = 'OK' | 'BUSY' | 'NOTSTARTED' | 'ERROR';

interface SubCrawl {
  queue: Queue;
  /** memcached's `remaining`: n+1 to look at n items, 0 for all. */
  remaining: number;
  reclaimed: number;
  unfetched: number;
  checked: number;
}

function newFindings(): SubLruFindings {
  return { seen: 0, noexp: 0, reclaimed: 0, histo: new Array<number>(61).fill(0), runComplete: false };
}

export class LruCrawler {
  /** `stats` lru_crawler_starts: runs started (by a client or the autocrawl). */
  starts = 0;
  private active: CrawlKind | null = null;
  private readonly subs = new Map<number, SubCrawl>();
  private blockAutoUntil = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly findings: SubLruFindings[] = [];
  private readonly nextCrawl = new Array<number>(SUB_LRUS).fill(0);
  private readonly nextCrawlWait = new Array<number>(SUB_LRUS).fill(0);
  private lastCheck = -1;

  constructor(
    private readonly lru: SegmentedLru,
    private readonly settings: CrawlerSettings,
    private readonly host: CrawlerHost,
  ) {
    for (let sid = 0; sid < SUB_LRUS; sid++) this.findings.push(newFindings());
  }

  /** `stats` lru_crawler_running. */
  get running(): boolean {
    return this.active !== null;
  }

  stop(): void {
    this.clearTimer();
    for (const sub of this.subs.values()) sub.queue.crawlNext = undefined;
    this.subs.clear();
    this.active = null;
  }

  /** `lru_crawler crawl <classes>`: every sub-LRU of the classes (null: all), up to lru_crawler_tocrawl items each. */
  crawl(classes: ReadonlySet<number> | null): CrawlStart {
    const ids: number[] = [];
    for (let sid = 1; sid < SUB_LRUS; sid++) if (classes === null || classes.has(sid & CLASS_MASK)) ids.push(sid);
    const started = this.start(ids, this.settings.lruCrawlerTocrawl, 'expired');
    if (started === 'refused') return 'BUSY';
    if (started === 'off') return 'ERROR';
    return started > 0 ? 'OK' : 'NOTSTARTED';
  }

  /**
   * lru_maintainer_crawler_check, run by the LRU maintainer at most once a second: reads the findings of
   * finished autocrawls into each sub-LRU's next crawl time and starts the sub-LRUs whose time has passed.
   */
  maintainerCheck(): void {
    if (!this.settings.lruCrawler) return;
    const now = this.host.now();
    if (now === this.lastCheck) return;
    this.lastCheck = now;
    const todo: number[] = [];
    let limit = 0;
    for (let sid = 1; sid < SUB_LRUS; sid++) {
      const f = this.findings[sid]!;
      if (f.runComplete) {
        const lowWatermark = Math.floor((f.seen - f.noexp) / 100) + 1;
        let available = 0;
        for (let minute = 0; minute < 60; minute++) {
          available += f.histo[minute]!;
          if (available > lowWatermark) {
            if (this.nextCrawlWait[sid]! < minute * 60) this.nextCrawlWait[sid]! += 60;
            else if (this.nextCrawlWait[sid]! >= 60) this.nextCrawlWait[sid]! -= 60;
            break;
          }
        }
        if (available === 0) this.nextCrawlWait[sid]! += 60;
        this.nextCrawlWait[sid] = Math.min(this.nextCrawlWait[sid]!, MAX_AUTOCRAWL_WAIT);
        this.nextCrawl[sid] = now + this.nextCrawlWait[sid]! + 5;
        f.runComplete = false;
      }
      if (now > this.nextCrawl[sid]!) {
        limit = Math.max(limit, this.queueOf(sid)?.count ?? 0);
        todo.push(sid);
        // Retried in 5 s should this start be refused.
        this.nextCrawl[sid] = now + 5;
      }
    }
    if (todo.length === 0) return;
    const tocrawl = this.settings.lruCrawlerTocrawl;
    if (tocrawl !== 0 && tocrawl < limit) limit = tocrawl;
    this.start(todo, limit, 'autoexpire');
  }

  /** lru_crawler_start: the sub-LRUs not already being crawled start from their tails. */
  private start(ids: number[], remaining: number, kind: CrawlKind): number | 'refused' | 'off' {
    if (!this.settings.lruCrawler) return 'off';
    const now = this.host.now();
    if (this.active !== null && !(kind === 'autoexpire' && this.active === 'autoexpire')) {
      this.blockAutoUntil = now + AUTOCRAWL_BLOCK;
      return 'refused';
    }
    if (kind === 'autoexpire' && this.blockAutoUntil > now) return 'refused';
    if (this.active === null && kind === 'autoexpire') {
      for (let sid = 0; sid < SUB_LRUS; sid++) this.findings[sid] = newFindings();
    }
    let starts = 0;
    for (const sid of ids) {
      if (this.subs.has(sid)) continue;
      const queue = this.queueOf(sid);
      let todo = remaining;
      if (todo !== 0) todo++;
      if (queue === undefined) {
        // A class past the last one: nothing to walk, done at once.
        this.subs.set(sid, { queue: emptyQueue, remaining: todo, reclaimed: 0, unfetched: 0, checked: 0 });
      } else {
        queue.crawlNext = queue.tail;
        this.subs.set(sid, { queue, remaining: todo, reclaimed: 0, unfetched: 0, checked: 0 });
      }
      starts++;
    }
    if (starts > 0) {
      if (this.active === null) this.active = kind;
      this.starts++;
      this.schedule(0);
    }
    return starts;
  }

  private queueOf(sid: number): Queue | undefined {
    return this.lru.queues[sid & CLASS_MASK]?.[sid >> SEGMENT_SHIFT];
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) return;
    const run = () => {
      this.timer = undefined;
      this.slice();
    };
    if (delayMs >= 1) {
      this.timer = setTimeout(run, delayMs);
      this.timer.unref();
    } else {
      this.timer = setImmediate(run);
      this.timer.unref();
    }
  }

  /** One slice of the crawler thread's loop: an item from each sub-LRU in turn, ascending ids. */
  private slice(): void {
    let budget = CRAWLS_PER_SLEEP;
    while (this.subs.size > 0 && budget > 0) {
      for (const [sid, sub] of this.subs) {
        const item = sub.queue.crawlNext;
        if (item === undefined || item === null || (sub.remaining !== 0 && --sub.remaining < 1)) {
          this.done(sid, sub);
          continue;
        }
        sub.queue.crawlNext = item.newer;
        sub.checked++;
        this.evaluate(sid, sub, item);
        budget--;
      }
    }
    if (this.subs.size > 0) {
      this.schedule(this.settings.lruCrawlerSleep / 1000);
      return;
    }
    this.active = null;
  }

  /** crawler_expired_eval. */
  private evaluate(sid: number, sub: SubCrawl, item: Item): void {
    const now = this.host.now();
    const flushed = this.host.isFlushed(item, now);
    const f = this.active === 'autoexpire' ? this.findings[sid]! : undefined;
    if ((item.exptime !== 0 && item.exptime < now) || flushed) {
      sub.reclaimed++;
      if (f !== undefined) f.reclaimed++;
      if (!item.fetched && !flushed) sub.unfetched++;
      this.host.remove(item);
      return;
    }
    if (f === undefined) return;
    f.seen++;
    if (item.exptime === 0) f.noexp++;
    else if (item.exptime - now <= 3599) {
      const minute = Math.floor((item.exptime - now) / 60);
      if (minute <= 60) f.histo[minute]!++;
    }
  }

  /** lru_crawler_class_done: the sub-LRU's counts reach `stats items` only now, as in memcached. */
  private done(sid: number, sub: SubCrawl): void {
    this.subs.delete(sid);
    sub.queue.crawlNext = undefined;
    const stats = this.lru.stats[sid & CLASS_MASK];
    if (stats !== undefined) {
      stats.crawler_reclaimed += sub.reclaimed;
      stats.expired_unfetched += sub.unfetched;
      stats.crawler_items_checked += sub.checked;
    }
    if (this.active === 'autoexpire') this.findings[sid]!.runComplete = true;
  }
}
