// HSCAN/SSCAN/ZSCAN. Compact encodings (listpack, intset) answer everything at once with cursor 0,
// as Redis does. Hashtable-sized collections are paged: elements are visited in the order of a
// fixed 32-bit hash of their name and the cursor is the hash to resume from, so every element present
// for the whole scan is returned at least once whatever is added or removed in between (the
// guarantee Redis's reverse-binary cursor gives), and the cursor never depends on table size.
import type { Client } from '../client.ts';
import { encodingOf, type HashObj, type SetObj, type ZSetObj } from '../db/objects.ts';
import { globMatch } from '../glob.ts';
import { parseCursor, parseScanOptions } from './util.ts';

interface Order {
  dirty: number;
  hashes: number[];
  items: string[][];
}

/** The sorted view of a collection, rebuilt only when some key has changed since it was made. */
const orders = new WeakMap<object, Order>();

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

type Collection = HashObj | SetObj | ZSetObj;

function orderOf(c: Client, o: Collection, items: () => string[][]): Order {
  const dirty = c.engine.ks.stats.dirty;
  const cached = orders.get(o.v);
  if (cached !== undefined && cached.dirty === dirty) return cached;
  const pairs = items().map((it) => [hash32(it[0] as string), it] as const);
  pairs.sort((x, y) => x[0] - y[0]);
  const order = { dirty, hashes: pairs.map((p) => p[0]), items: pairs.map((p) => p[1]) };
  orders.set(o.v, order);
  return order;
}

/** `items` lists [member] or [member, value] pairs; called only when the key exists. */
export function scanCollection(c: Client, a: string[], o: Collection | null, items: () => string[][]): void {
  const cursor = parseCursor(a[2] as string);
  const opt = parseScanOptions(a, 3, false);
  let page: string[][] = [];
  let next = 0;
  if (o !== null) {
    const enc = encodingOf(o);
    if (enc === 'listpack' || enc === 'intset') page = items();
    else {
      const { hashes, items: all } = orderOf(c, o, items);
      let lo = 0;
      let hi = hashes.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((hashes[mid] as number) < cursor) lo = mid + 1;
        else hi = mid;
      }
      let end = Math.min(hashes.length, lo + opt.count);
      // Elements sharing a hash go out together: the next cursor must not split them.
      while (end < hashes.length && hashes[end] === hashes[end - 1]) end++;
      page = all.slice(lo, end);
      next = end < hashes.length ? (hashes[end] as number) : 0;
    }
  }
  const out: string[] = [];
  for (const it of page) if (opt.match === null || globMatch(opt.match, it[0] as string)) out.push(...it);
  c.w.array(2);
  c.w.bulk(String(next));
  c.w.bulks(out);
}
