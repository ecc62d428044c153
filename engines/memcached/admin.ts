// Operator commands: key dumps (lru_crawler metadump, stats cachedump) and the LRU/slab tuning
// commands, which are accepted and acknowledged since this engine has no slabs or crawler to tune.
import type { Session } from './context.ts';
import { slabClassOf, type Item } from './item.ts';
import { parseI32Wrapped } from './numbers.ts';

/** memcached's URI encoding for dumped keys: unreserved characters stay, the rest become %XX. */
function uriEncode(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const unreserved =
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
    out += unreserved ? key[i] : '%' + c.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function liveItems(s: Session): Item[] {
  const store = s.ctx.store;
  const now = store.now();
  return [...store.all()].filter((item) => store.isLive(item, now));
}

export function lruCrawler(s: Session, tokens: string[]): void {
  const out = s.out;
  switch (tokens[1]) {
    case 'metadump': {
      if (tokens.length < 3) return out.text('ERROR\r\n');
      // memcached streams the dump itself and refuses to interleave it with queued replies.
      if (out.length > 0) return out.text('ERROR cannot pipeline other commands before metadump\r\n');
      const store = s.ctx.store;
      const which = tokens[2]!;
      const classes = which === 'all' || which === 'hash' ? null : new Set(which.split(',').map(Number));
      let dump = '';
      for (const item of liveItems(s)) {
        const cls = slabClassOf(store.slabSizes, item.size);
        if (classes !== null && !classes.has(cls)) continue;
        const exp = item.exptime === 0 ? -1 : item.exptime;
        dump += `key=${uriEncode(item.key)} exp=${exp} la=${item.time} cas=${item.cas} fetch=${item.fetched ? 'yes' : 'no'} cls=${cls} size=${item.size}\n`;
      }
      return out.text(dump + 'END\r\n');
    }
    case 'enable':
    case 'disable':
    case 'crawl':
      return out.text(tokens.length >= 2 ? 'OK\r\n' : 'ERROR\r\n');
    case 'sleep':
    case 'tocrawl': {
      const n = tokens[2] === undefined ? null : parseI32Wrapped(tokens[2]);
      return out.text(n === null || n < 0 ? 'CLIENT_ERROR bad command line format\r\n' : 'OK\r\n');
    }
    default:
      return out.text('ERROR\r\n');
  }
}

export function slabs(s: Session, tokens: string[]): void {
  switch (tokens[1]) {
    case 'automove':
      return s.out.text(tokens.length === 3 ? 'OK\r\n' : 'ERROR\r\n');
    case 'reassign':
      return s.out.text(tokens.length === 4 ? 'NOSPARE source class has no spare pages\r\n' : 'ERROR\r\n');
    default:
      return s.out.text('ERROR\r\n');
  }
}

export function lru(s: Session, tokens: string[]): void {
  const sub = tokens[1];
  s.out.text((sub === 'tune' || sub === 'mode' || sub === 'temp_ttl') && tokens.length > 2 ? 'OK\r\n' : 'ERROR\r\n');
}

/** `stats cachedump <class> <limit>`: newest items of one class, as "ITEM key [bytes b; exptime s]". */
export function cachedump(s: Session, tokens: string[]): void {
  const cls = parseI32Wrapped(tokens[2] ?? '');
  const limit = parseI32Wrapped(tokens[3] ?? '');
  if (cls === null || limit === null) return s.out.text('CLIENT_ERROR bad command line format\r\n');
  const store = s.ctx.store;
  const items = liveItems(s)
    .filter((item) => slabClassOf(store.slabSizes, item.size) === cls)
    .reverse();
  let text = '';
  for (const item of limit > 0 ? items.slice(0, limit) : items) {
    text += `ITEM ${item.key} [${item.value.length} b; ${item.exptime} s]\r\n`;
  }
  s.out.text(text + 'END\r\n');
}
