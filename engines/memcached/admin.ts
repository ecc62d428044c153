// Operator commands (lru_crawler, slabs, lru, cache_memlimit, stats cachedump) with memcached 1.6's
// argument checks and replies. Their tuning knobs are kept in Settings so `stats settings` shows them.
import type { Session } from './context.ts';
import type { CrawlStart } from './crawler.ts';
import { slabClassOf, type Item } from './item.ts';
import { Segment } from './lru.ts';
import { MAX_SLAB_CLASSES } from './limits.ts';
import { parseI32Wrapped, parseU32Wrapped, parseDouble } from './numbers.ts';
import { keyHash } from './key-hash.ts';
import { uriEncodeKey } from './watch.ts';

const BAD_FORMAT = 'CLIENT_ERROR bad command line format\r\n';
/** item_cachedump's reply buffer. */
const CACHEDUMP_MAX_BYTES = 2 * 1024 * 1024;

/** memcached's set_noreply_maybe: a last token "noreply" silences the command's reply, errors included. */
export function replyUnlessNoreply(s: Session, tokens: string[]): (line: string) => void {
  const quiet = tokens[tokens.length - 1] === 'noreply';
  return (line) => {
    if (!quiet) s.out.text(line);
  };
}

/**
 * The crawler's class list: "all", or comma-separated class ids in 1..63 (empty entries skipped).
 * Returns the set (null for all), or an error line as memcached words it.
 */
function crawlClasses(spec: string, allowHash: boolean): Set<number> | null | string {
  if (spec === 'all') return null;
  if (spec === 'hash') return allowHash ? null : 'ERROR an unknown error happened\r\n';
  const ids = new Set<number>();
  for (const part of spec.split(',')) {
    if (part === '') continue;
    const id = parseU32Wrapped(part);
    if (id === null || id < 1 || id >= MAX_SLAB_CLASSES) return 'BADCLASS invalid class id\r\n';
    ids.add(id);
  }
  if (ids.size === 0) return 'NOTSTARTED no items to crawl\r\n';
  return ids;
}

const CRAWL_REPLIES: Record<CrawlStart, string> = {
  OK: 'OK\r\n',
  BUSY: 'BUSY currently processing crawler request\r\n',
  NOTSTARTED: 'NOTSTARTED no items to crawl\r\n',
  ERROR: 'ERROR an unknown error happened\r\n',
};

export function lruCrawler(s: Session, tokens: string[]): void {
  const out = s.out;
  const settings = s.ctx.settings;
  const sub = tokens[1];
  const n = tokens.length;
  if (n === 3 && (sub === 'crawl' || sub === 'metadump')) {
    if (!settings.lruCrawler) return out.text('CLIENT_ERROR lru crawler disabled\r\n');
    const metadump = sub === 'metadump';
    if (metadump && !settings.dumpEnabled) return out.text('ERROR metadump not allowed\r\n');
    if (metadump && out.length > 0) return out.text('ERROR cannot pipeline other commands before metadump\r\n');
    const classes = crawlClasses(tokens[2]!, metadump);
    if (typeof classes === 'string') return out.text(classes);
    if (!metadump) return out.text(CRAWL_REPLIES[s.ctx.store.crawler.crawl(classes)]);
    if (s.ctx.store.crawler.running) return out.text(CRAWL_REPLIES.BUSY);
    return s.streamReply(metadumpText(s, classes, tokens[2] === 'hash'));
  }
  if (n === 3 && (sub === 'tocrawl' || sub === 'sleep')) {
    const v = parseU32Wrapped(tokens[2]!);
    if (v === null) return out.text(BAD_FORMAT);
    if (sub === 'sleep') {
      if (v > 1_000_000) return out.text('CLIENT_ERROR sleep must be one second or less\r\n');
      settings.lruCrawlerSleep = v;
    } else {
      settings.lruCrawlerTocrawl = v;
    }
    return out.text('OK\r\n');
  }
  if (n === 2 && sub === 'enable') {
    if (settings.lruCrawler) return out.text('ERROR failed to start lru crawler thread\r\n');
    settings.lruCrawler = true;
    return out.text('OK\r\n');
  }
  // Stopping a crawler thread that is not running succeeds in memcached: only a failed join errs.
  if (n === 2 && sub === 'disable') {
    settings.lruCrawler = false;
    return out.text('OK\r\n');
  }
  out.text('ERROR\r\n');
}

/** Hash table buckets at memcached's initial hashpower (16): the `metadump hash` walk order. */
const HASH_MASK = 0xffff;

/** Items looked at, or dump lines produced, between two yields of the metadump generator. */
const DUMP_STEP = 2000;

/**
 * The crawler takes one item (oldest first) from each class's LRU in turn, classes in ascending order,
 * until all are done; with "hash" it walks the hash table bucket by bucket (newest first within one,
 * as items are pushed onto the bucket's chain). memcached's LRUs are further split into hot, warm and
 * cold segments moved by a background thread, so its interleaving can differ for items not fresh.
 * A generator yielding every few thousand items, so a big cache is dumped in slices (the connection
 * writes each yield and lets other work run between them); no step sorts the whole cache.
 */
function* metadumpText(s: Session, classes: Set<number> | null, byHash: boolean): Generator<string> {
  const store = s.ctx.store;
  const now = store.now();
  // Crawl order: per class, oldest first. Hash order: per bucket, newest (highest CAS) first.
  const groups = new Map<number, Item[]>();
  let n = 0;
  for (const item of store.all()) {
    if (++n % DUMP_STEP === 0) yield '';
    if (!store.isLive(item, now)) continue;
    const cls = slabClassOf(store.slabSizes, item.size);
    if (classes !== null && !classes.has(cls)) continue;
    const g = byHash ? keyHash(s.ctx.settings.hashAlgorithm, item.key) & HASH_MASK : cls;
    let list = groups.get(g);
    if (list === undefined) groups.set(g, (list = []));
    list.push(item);
  }
  const order = [...groups.keys()].sort((a, b) => a - b);
  let dump = '';
  let lines = 0;
  const line = (item: Item): string => {
    const exp = item.exptime === 0 ? -1 : item.exptime;
    const cls = slabClassOf(store.slabSizes, item.size);
    return `key=${uriEncodeKey(item.key)} exp=${exp} la=${item.time} cas=${item.cas} fetch=${item.fetched ? 'yes' : 'no'} cls=${cls} size=${item.size}\n`;
  };
  if (byHash) {
    for (const g of order) {
      const list = groups.get(g)!;
      list.sort((a, b) => b.cas - a.cas);
      for (const item of list) {
        dump += line(item);
        if (++lines % DUMP_STEP === 0) {
          yield dump;
          dump = '';
        }
      }
    }
  } else {
    // Round robin: the i-th item of each class in turn.
    const lists = order.map((g) => groups.get(g)!);
    const longest = Math.max(0, ...lists.map((l) => l.length));
    for (let i = 0; i < longest; i++) {
      for (const list of lists) {
        if (i >= list.length) continue;
        dump += line(list[i]!);
        if (++lines % DUMP_STEP === 0) {
          yield dump;
          dump = '';
        }
      }
    }
  }
  yield dump + 'END\r\n';
}

export function slabs(s: Session, tokens: string[]): void {
  const out = s.out;
  const n = tokens.length;
  const settings = s.ctx.settings;
  if (n === 4 && tokens[1] === 'reassign') {
    if (!settings.slabReassign) return out.text('CLIENT_ERROR slab reassignment disabled\r\n');
    const src = parseI32Wrapped(tokens[2]!);
    const dst = parseI32Wrapped(tokens[3]!);
    if (src === null || dst === null) return out.text(BAD_FORMAT);
    return out.text(s.ctx.store.reassign(src, dst));
  }
  if (n >= 3 && tokens[1] === 'automove') {
    const reply = replyUnlessNoreply(s, tokens);
    if (tokens[2] === 'ratio') {
      const ratio = n >= 4 ? parseDouble(tokens[3]!) : null;
      if (ratio === null) return reply('ERROR\r\n');
      settings.slabAutomoveRatio = ratio;
      return reply('OK\r\n');
    }
    const level = parseU32Wrapped(tokens[2]!);
    if (level === null) return reply(BAD_FORMAT);
    if (level > 2) return reply('ERROR\r\n');
    settings.slabAutomove = level;
    return reply('OK\r\n');
  }
  out.text('ERROR\r\n');
}

export function lru(s: Session, tokens: string[]): void {
  const n = tokens.length;
  if (n < 2) return s.out.text('ERROR\r\n');
  const reply = replyUnlessNoreply(s, tokens);
  const settings = s.ctx.settings;
  const sub = tokens[1];
  if (sub === 'tune' && n >= 6) {
    const hot = parseU32Wrapped(tokens[2]!);
    const warm = parseU32Wrapped(tokens[3]!);
    const hotFactor = parseDouble(tokens[4]!);
    const warmFactor = parseDouble(tokens[5]!);
    if (hot === null || warm === null || hotFactor === null || warmFactor === null) return reply('ERROR\r\n');
    // memcached adds the two as uint32, so the sum wraps.
    if (((hot + warm) >>> 0) > 80) return reply('ERROR hot and warm pcts must not exceed 80\r\n');
    if (warmFactor <= 0 || hotFactor <= 0) return reply('ERROR hot/warm age factors must be greater than 0\r\n');
    Object.assign(settings, { hotLruPct: hot, warmLruPct: warm, hotMaxFactor: hotFactor, warmMaxFactor: warmFactor });
    return reply('OK\r\n');
  }
  // Without the maintainer thread (-o no_lru_maintainer) memcached takes neither mode nor temp_ttl.
  if (sub === 'mode' && n >= 3 && settings.lruMaintainer) {
    if (tokens[2] === 'flat') settings.lruSegmented = false;
    else if (tokens[2] === 'segmented') settings.lruSegmented = true;
    else return reply('ERROR\r\n');
    return reply('OK\r\n');
  }
  if (sub === 'temp_ttl' && n >= 3 && settings.lruMaintainer) {
    const ttl = parseI32Wrapped(tokens[2]!);
    if (ttl === null) return reply('ERROR\r\n');
    settings.tempLru = ttl >= 0;
    if (ttl >= 0) settings.temporaryTtl = ttl;
    return reply('OK\r\n');
  }
  reply('ERROR\r\n');
}

/** cache_memlimit <megabytes> [noreply]. */
export function cacheMemlimit(s: Session, tokens: string[]): void {
  if (tokens.length !== 2 && tokens.length !== 3) return s.out.text('ERROR\r\n');
  const reply = replyUnlessNoreply(s, tokens);
  const mb = parseU32Wrapped(tokens[1]!);
  if (mb === null) return reply('ERROR\r\n');
  if (mb < 8) return reply('MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n');
  if (mb > 1_000_000_000) return reply('MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n');
  s.ctx.store.memoryLimit = mb * 1024 * 1024;
  reply('OK\r\n');
}

/** `stats cachedump <class> <limit>`: newest items of one class, as "ITEM key [bytes b; exptime s]". */
export function cachedump(s: Session, tokens: string[]): void {
  if (!s.ctx.settings.dumpEnabled) return s.out.text('CLIENT_ERROR stats cachedump not allowed\r\n');
  if (tokens.length < 4) return s.out.text('CLIENT_ERROR bad command line\r\n');
  const cls = parseU32Wrapped(tokens[2]!);
  const limit = parseU32Wrapped(tokens[3]!);
  if (cls === null || limit === null) return s.out.text(BAD_FORMAT);
  if (cls >= MAX_SLAB_CLASSES) return s.out.text('CLIENT_ERROR Illegal slab id\r\n');
  // memcached 1.6 walks only the class's COLD queue, newest first (items still in HOT or WARM are not
  // listed), expired items included, binary keys skipped, and stops at a 2 MB reply.
  const cold = s.ctx.store.lru.queues[cls]?.[Segment.Cold];
  let text = '';
  let shown = 0;
  for (let item = cold?.head ?? null; item !== null && (limit === 0 || shown < limit); item = item.older) {
    if (item.binaryKey) continue;
    const line = `ITEM ${item.key} [${item.value.length} b; ${item.exptime} s]\r\n`;
    if (text.length + line.length + 6 > CACHEDUMP_MAX_BYTES) break;
    text += line;
    shown++;
  }
  s.out.text(text + 'END\r\n');
}
