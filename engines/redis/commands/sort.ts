// SORT and SORT_RO: list, set and sorted-set elements, numeric or ALPHA, with BY/GET patterns.
import { keyword } from './util.ts';
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newList, type ListObj, type SetObj, type ZSetObj } from '../db/objects.ts';
import { packedThresholdOf } from '../db/list-options.ts';
import { DEFAULT_QUICKLIST } from '../types/quicklist.ts';
import { E, fail } from '../errors.ts';
import { notify } from '../notify.ts';
import { errnoIsOf, listpackScoreRead, parseIntArg, toI64, toSortFloat } from '../num.ts';
import { runSliced } from '../sliced.ts';
import { partialSortInSteps } from '../partial-sort.ts';
import { sortInSteps } from '../sort-in-steps.ts';

/**
 * The pattern as C's string functions see it: redis-server looks for '#', '*' and '->' with
 * strchr/strstr, which stop at a NUL byte (seed 200904: GET "a\0*" reads no key, so no miss).
 */
const cString = (s: string): string => {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
};

/** Whether a BY pattern sorts at all: one without '*' (before any NUL) is a constant. */
const sortsBy = (by: string): boolean => cString(by).includes('*');

/** Resolves a BY/GET pattern for one element: key "*" substitution and optional "->field". */
function lookupPattern(c: Client, pattern: string, elem: string): string | null {
  const head = cString(pattern);
  if (head === '#') return elem;
  const star = head.indexOf('*');
  if (star < 0) return null;
  // A "->" at the end (or before a NUL) names no field: Redis then reads the whole pattern as a key;
  // the field itself runs to the pattern's real end.
  let arrow = head.indexOf('->', star);
  if (arrow >= 0 && (arrow + 2 === pattern.length || pattern[arrow + 2] === '\0')) arrow = -1;
  const keyPart = arrow >= 0 ? pattern.slice(0, arrow) : pattern;
  const key = keyPart.slice(0, star) + elem + keyPart.slice(star + 1);
  // lookupKeyRead, as redis-server's lookupKeyByPattern: a missing key is a miss with its keymiss event.
  const o = c.db.lookup(key);
  if (o === null) return null;
  if (arrow >= 0) {
    const field = pattern.slice(arrow + 2);
    return o.type === 'hash' ? (o.v.get(field) ?? null) : null;
  }
  return o.type === 'string' ? o.v : null;
}

/**
 * BY and GET read keys named by patterns: Redis refuses them in cluster mode (those keys may live on
 * another shard) and to users who may not read every key.
 */
function mayReadOtherKeys(c: Client, a: string[], option: 'BY' | 'GET'): void {
  if (c.engine.cluster !== null) fail(`ERR ${option} option of SORT denied in Cluster mode.`);
  const def = c.engine.lookup(a[0] as string);
  if (def !== undefined && !c.user.readsAnyKey(def, a)) fail(`ERR ${option} option of SORT denied due to insufficient ACL permissions.`);
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
    const w = keyword(a[i] as string);
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
      // A BY without '*' means no sorting and reads no other key.
      if (sortsBy(by)) mayReadOtherKeys(c, a, 'BY');
    } else if (w === 'get' && i + 1 < a.length) {
      mayReadOtherKeys(c, a, 'GET');
      gets.push(a[++i] as string);
    } else fail(E.SYNTAX);
  }
  const o = c.db.lookup(key);
  if (o !== null && o.type !== 'list' && o.type !== 'set' && o.type !== 'zset') fail(E.WRONGTYPE);
  // Redis converts a sorted set to its skiplist encoding before sorting, and it stays that way.
  // Converting reads every score of a listpack back with strtod (seed 103357).
  if (o !== null && o.type === 'zset') {
    if (!o.big) for (const [, score] of o.v.entries()) listpackScoreRead(score);
    o.big = true;
  }
  const job: SortJob = { o, by, offset, count, gets, desc, alpha, store: store !== null };
  if (store === null) {
    const w = c.w;
    return runSliced(c, sortSteps(c, job, (n) => w.array(n), (v) => w.bulkOrNil(v)), () => undefined);
  }
  // sortCommand makes the list with quicklistCreate's settings (-2, no compression), not the configured ones.
  const l = newList({ ...DEFAULT_QUICKLIST, packed: packedThresholdOf(c.engine) });
  const dst = store;
  const stored = () => {
    if (l.v.length === 0) {
      if (c.db.deleteAsIs(dst)) notify(c.engine, 'g', 'del', c.dbIndex, dst);
    } else {
      c.db.set(dst, l);
      notify(c.engine, 'l', 'sortstore', c.dbIndex, dst);
    }
    c.w.int(l.v.length);
  };
  runSliced(c, sortSteps(c, job, () => undefined, (v) => l.v.pushBack(v ?? '')), stored, a);
}

interface SortJob {
  o: ListObj | SetObj | ZSetObj | null;
  by: string | null;
  offset: number;
  count: number;
  gets: string[];
  desc: boolean;
  alpha: boolean;
  store: boolean;
}

function* members(o: ListObj | SetObj | ZSetObj): Generator<string> {
  if (o.type === 'zset') for (const [m] of o.v.entries()) yield m;
  else yield* o.v;
}

/**
 * Whether redis-server holds a weight as an integer object, which SORT takes without strtod (and
 * so without looking at errno): a list's integer entries, and (roughly) any canonical integer a BY
 * pattern finds. A set's or sorted set's members always come as strings.
 */
function heldAsInteger(job: SortJob, by: string | null, source: string): boolean {
  const own = by === null || by === '#';
  return (!own || job.o?.type === 'list') && toI64(source) !== null;
}

const byBytes = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** strcmp: the bytes up to the first NUL (what strcoll does in the C and C.UTF-8 locales). */
function byCString(x: string, y: string): number {
  const i = x.indexOf('\0');
  const j = y.indexOf('\0');
  return byBytes(i < 0 ? x : x.slice(0, i), j < 0 ? y : y.slice(0, j));
}

/** Intset order of two 64-bit integers in decimal. */
function byInteger(x: string, y: string): number {
  const a = Number(x);
  const b = Number(y);
  if (a !== b) return a < b ? -1 : 1;
  return x === y ? 0 : BigInt(x) < BigInt(y) ? -1 : 1;
}

/**
 * SORT's work, one element per step for runSliced (a million elements take seconds): gathers, weighs,
 * sorts, then hands `emit` each output value after `begin` learnt how many there are.
 */
function* sortSteps(c: Client, job: SortJob, begin: (n: number) => void, emit: (v: string | null) => void): Generator<void> {
  const { by, alpha, desc, gets } = job;
  const elems: string[] = [];
  if (job.o !== null) {
    for (const e of members(job.o)) {
      elems.push(e);
      yield;
    }
    // Elements come in the value's own order, which decides where equal weights end up (and what an
    // unsorted SORT returns): an intset's is ascending.
    if (job.o.type === 'set' && !job.o.big) yield* sortInSteps(elems, byInteger);
  }
  // Positions into elems are sorted, not objects: a million small objects would cost the young
  // generation's collector pauses of their own.
  const order: number[] = [];
  for (let i = 0; i < elems.length; i++) order.push(i);
  const n = elems.length;
  let start = 0;
  let end = n;
  if (job.count >= 0 || job.offset > 0) {
    start = Math.min(end, Math.max(0, job.offset));
    if (job.count >= 0) end = Math.min(end, start + job.count);
  }
  if (by === null || sortsBy(by)) {
    const scores = alpha ? null : new Float64Array(n);
    const texts: (string | null)[] = [];
    for (let i = 0; i < n; i++) {
      const source = by === null ? (elems[i] as string) : lookupPattern(c, by, elems[i] as string);
      if (scores !== null && source !== null) {
        const v = heldAsInteger(job, by, source) ? Number(source) : toSortFloat(source, errnoIsOf(c.engine));
        if (v === null) fail("ERR One or more scores can't be converted into double");
        scores[i] = v;
      }
      texts.push(source);
      yield;
    }
    // Redis's sortCompare: equal numbers fall back to the elements' bytes; ALPHA compares as strcoll
    // (C strings, so up to a NUL) unless storing, and leaves equal or missing weights equal.
    const text = job.store ? byBytes : byCString;
    const cmp = (i: number, j: number): number => {
      let r: number;
      if (scores !== null) {
        const x = scores[i] as number;
        const y = scores[j] as number;
        r = x < y ? -1 : x > y ? 1 : byBytes(elems[i] as string, elems[j] as string);
      } else {
        const x = texts[i] as string | null;
        const y = texts[j] as string | null;
        r = x === null || y === null ? (x === y ? 0 : x === null ? -1 : 1) : text(x, y);
      }
      return desc ? -r : r;
    };
    // A BY pattern with a LIMIT short of everything sorts with pqsort, whose order of equal weights
    // differs from the stable sort (glibc's merge sort) used otherwise.
    if (by !== null && (start !== 0 || end !== n) && end > start) yield* partialSortInSteps(order, cmp, start, end - 1);
    else yield* sortInSteps(order, cmp);
  } else if (job.o !== null && job.o.type === 'set') {
    // With STORE, or called from a script, Redis sorts set members anyway (ALPHA, DESC honoured):
    // what is stored or replicated must not depend on the set's internal order.
    if (job.store || c.engine.scripting.isScriptClient(c)) {
      const text = job.store ? byBytes : byCString;
      const sign = desc ? -1 : 1;
      yield* sortInSteps(order, (i, j) => sign * text(elems[i] as string, elems[j] as string));
    }
    // Otherwise unsorted, a set comes in its own order, DESC or not.
  } else if (desc) {
    // Unsorted, a list or sorted set comes in its own order, reversed by DESC.
    order.reverse();
  }
  begin((end - start) * Math.max(1, gets.length));
  for (let i = start; i < end; i++) {
    const e = elems[order[i] as number] as string;
    if (gets.length === 0) emit(e);
    else for (const g of gets) emit(lookupPattern(c, g, e));
    yield;
  }
}

/** SORT's keys: the sorted key and a STORE destination, skipping LIMIT/BY/GET arguments as Redis does. */
function sortKeys(a: string[]): number[] {
  const out = [1];
  for (let i = 2; i < a.length; i++) {
    const w = keyword(a[i] as string);
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

