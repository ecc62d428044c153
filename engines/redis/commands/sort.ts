// SORT and SORT_RO: list, set and sorted-set elements, numeric or ALPHA, with BY/GET patterns.
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newList } from '../db/objects.ts';
import { E, fail } from '../errors.ts';
import { notify } from '../notify.ts';
import { parseIntArg, toSortFloat } from '../num.ts';

/** Resolves a BY/GET pattern for one element: key "*" substitution and optional "->field". */
function lookupPattern(c: Client, pattern: string, elem: string): string | null {
  if (pattern === '#') return elem;
  const star = pattern.indexOf('*');
  if (star < 0) return null;
  // A trailing "->" names no field: Redis then reads the whole pattern as a key.
  let arrow = pattern.indexOf('->', star);
  if (arrow >= 0 && arrow + 2 === pattern.length) arrow = -1;
  const keyPart = arrow >= 0 ? pattern.slice(0, arrow) : pattern;
  const key = keyPart.slice(0, star) + elem + keyPart.slice(star + 1);
  const o = c.db.lookup(key, false);
  if (o === null) return null;
  if (arrow >= 0) {
    const field = pattern.slice(arrow + 2);
    return o.type === 'hash' ? (o.v.get(field) ?? null) : null;
  }
  return o.type === 'string' ? o.v : null;
}

function sort(c: Client, a: string[], readOnly: boolean): void {
  const key = a[1] as string;
  let by: string | null = null;
  let offset = 0;
  let count = -1;
  const gets: string[] = [];
  let desc = false;
  let alpha = false;
  let store: string | null = null;
  for (let i = 2; i < a.length; i++) {
    const w = (a[i] as string).toLowerCase();
    if (w === 'asc') desc = false;
    else if (w === 'desc') desc = true;
    else if (w === 'alpha') alpha = true;
    else if (w === 'limit' && i + 2 < a.length) {
      offset = parseIntArg(a[i + 1] as string);
      count = parseIntArg(a[i + 2] as string);
      i += 2;
    } else if (w === 'store' && i + 1 < a.length && !readOnly) {
      store = a[++i] as string;
    } else if (w === 'by' && i + 1 < a.length) {
      by = a[++i] as string;
    } else if (w === 'get' && i + 1 < a.length) {
      gets.push(a[++i] as string);
    } else fail(E.SYNTAX);
  }
  const o = c.db.lookup(key);
  let elems: string[];
  if (o === null) elems = [];
  else if (o.type === 'list') elems = o.v.toArray();
  else if (o.type === 'set') elems = [...o.v];
  else if (o.type === 'zset') {
    elems = [...o.v.entries()].map(([m]) => m);
    // Redis converts a sorted set to its skiplist encoding before sorting, and it stays that way.
    o.big = true;
  }
  else fail(E.WRONGTYPE);
  const dontSort = by !== null && !by.includes('*');
  if (!dontSort) {
    const keyed = elems.map((e) => {
      const source = by === null ? e : lookupPattern(c, by, e);
      if (alpha) return { e, s: 0, t: source };
      if (source === null) return { e, s: 0, t: null };
      const n = toSortFloat(source);
      if (n === null) fail("ERR One or more scores can't be converted into double");
      return { e, s: n, t: source };
    });
    keyed.sort((x, y) => {
      let cmp: number;
      if (alpha) {
        if (x.t === null || y.t === null) cmp = x.t === y.t ? 0 : x.t === null ? -1 : 1;
        else cmp = x.t < y.t ? -1 : x.t > y.t ? 1 : 0;
      } else {
        cmp = x.s < y.s ? -1 : x.s > y.s ? 1 : 0;
      }
      // Equal keys fall back to the element itself so the order is never arbitrary.
      if (cmp === 0) cmp = x.e < y.e ? -1 : x.e > y.e ? 1 : 0;
      return desc ? -cmp : cmp;
    });
    elems = keyed.map((k) => k.e);
  } else if (o !== null && o.type === 'set' && store !== null) {
    // With STORE, Redis sorts set members anyway (ALPHA) so the stored result is deterministic.
    elems.sort();
  }
  if (count >= 0 || offset > 0) {
    const start = Math.max(0, offset);
    elems = count < 0 ? elems.slice(start) : elems.slice(start, start + Math.max(0, count));
  }
  const out: (string | null)[] = [];
  for (const e of elems) {
    if (gets.length === 0) out.push(e);
    else for (const g of gets) out.push(lookupPattern(c, g, e));
  }
  if (store !== null) {
    if (out.length === 0) {
      if (c.db.delete(store)) notify(c.engine, 'g', 'del', c.dbIndex, store);
    } else {
      const l = newList();
      for (const v of out) l.v.pushBack(v ?? '');
      c.db.set(store, l);
      notify(c.engine, 'l', 'sortstore', c.dbIndex, store);
    }
    return c.w.int(out.length);
  }
  c.w.array(out.length);
  for (const v of out) c.w.bulkOrNil(v);
}

/** SORT's keys: the sorted key and a STORE destination, skipping LIMIT/BY/GET arguments as Redis does. */
function sortKeys(a: string[]): number[] {
  const out = [1];
  for (let i = 2; i < a.length; i++) {
    const w = (a[i] as string).toLowerCase();
    if (w === 'limit') i += 2;
    else if (w === 'get' || w === 'by') i++;
    else if (w === 'store' && i + 1 < a.length) out.push(++i);
  }
  return out;
}

export const sortCommands = defineGroup('generic', [
  { name: 'sort', arity: -2, flags: ['write', 'denyoom'], keys: [1, 1, 1], keysOf: sortKeys, acl: ['@set', '@sortedset', '@list', '@dangerous'], handler: (c, a) => sort(c, a, false) },
  { name: 'sort_ro', arity: -2, flags: ['readonly'], keys: [1, 1, 1], keysOf: sortKeys, acl: ['@set', '@sortedset', '@list', '@dangerous'], handler: (c, a) => sort(c, a, true) },
]);

