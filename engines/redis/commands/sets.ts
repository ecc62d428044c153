// Set commands.
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newSet, updateEncoding, type SetObj } from '../db/objects.ts';
import { SplitSet } from '../db/split-table.ts';
import { E, fail } from '../errors.ts';
import { notify } from '../notify.ts';
import { parseIntArg, parseRangeIntArg } from '../num.ts';
import { randomOne, replyRandom } from './random-reply.ts';
import { eachWritten, replySliced, runSliced, SLICED_WRITE_ARGS, writeEach } from '../sliced.ts';
import { interCardSteps } from './intercard.ts';
import { scanCollection } from './scan-collection.ts';
import { numkeysPositions } from './zsets.ts';
import { is, parseCount, parseCursor, parseRandomCount } from './util.ts';

function getSet(c: Client, key: string, read = true): SplitSet | null {
  return c.db.get(key, 'set', read)?.v ?? null;
}

/** Intset members come out sorted numerically in Redis; mirror that for small all-integer sets. */
function members(c: Client, key: string, s: SplitSet): string[] {
  const o = c.db.peek(key);
  const arr = [...s];
  if (o !== null && o.type === 'set' && !o.big) arr.sort((x, y) => Number(x) - Number(y));
  return arr;
}

function sortedIfIntset(arr: string[]): string[] {
  if (arr.length <= 512 && arr.every((x) => /^(?:0|-?[1-9][0-9]{0,17})$/.test(x))) return arr.sort((x, y) => Number(x) - Number(y));
  return arr;
}

/** SUNION, SINTER or SDIFF one member at a time, for runSliced: the sets are looked up (and type-checked) before it starts. */
function* combineSteps(sets: (SplitSet | null)[], op: 'union' | 'inter' | 'diff', out: SplitSet): Generator<void> {
  if (op === 'union') {
    for (const s of sets) {
      if (s === null) continue;
      for (const m of s) {
        out.add(m);
        yield;
      }
    }
    return;
  }
  if (op === 'inter') {
    if (sets.some((s) => s === null)) return;
    const [first, ...rest] = (sets as SplitSet[]).slice().sort((x, y) => x.size - y.size);
    for (const m of first ?? []) {
      if (rest.every((s) => s.has(m))) out.add(m);
      yield;
    }
    return;
  }
  const [first, ...rest] = sets;
  for (const m of first ?? []) {
    if (!rest.some((s) => s !== null && s.has(m))) out.add(m);
    yield;
  }
}

/** SUNION, SINTER or SDIFF, then its reply a member per step: a union of two million is written in slices too. */
function* combinedAndWritten(c: Client, sets: (SplitSet | null)[], op: 'union' | 'inter' | 'diff', out: SplitSet): Generator<void> {
  yield* combineSteps(sets, op, out);
  const items = out.size <= 512 ? sortedIfIntset([...out]) : out;
  c.w.setHeader(out.size);
  for (const m of items) {
    c.w.bulk(m);
    yield;
  }
}

/** Stores a SUNIONSTORE & co result; like Redis it announces only `dst`: `event`, or del when emptied. */
function store(c: Client, dst: string, result: SplitSet, event: string): void {
  if (result.size === 0) {
    if (c.db.deleteAsIs(dst)) notify(c.engine, 'g', 'del', c.dbIndex, dst);
  } else {
    const o = newSet();
    o.v = result;
    const t = c.engine.config.encoding;
    // Past the intset size the members need no look: a copy of a million would hold the loop.
    updateEncoding(o, result.size > t.setIntsetEntries ? [] : [...result], t);
    c.db.set(dst, o);
    notify(c.engine, 's', event, c.dbIndex, dst);
  }
  c.w.int(result.size);
}

function spop(c: Client, a: string[]): void {
  const key = a[1] as string;
  if (a.length > 3) fail(E.SYNTAX);
  if (a.length === 3) parseCount(a[2] as string);
  const s = getSet(c, key, false);
  if (a.length === 2) {
    if (s === null) return c.w.nil();
    const m = randomOne(s);
    s.delete(m as string);
    c.db.modified(key);
    return c.w.bulk(m as string);
  }
  const count = parseCount(a[2] as string);
  const o = c.db.get(key, 'set', false);
  if (o === null) return c.w.setHeader(0);
  // A count of 0 changes nothing, so redis-server announces nothing.
  if (count === 0) return c.w.setHeader(0);
  if (count >= o.v.size) {
    // 7.0 answers this case with SUNION's code, whose read lookup counts a keyspace hit.
    c.engine.ks.stats.hits++;
    // Taking every member hands the whole set to the reply: the key goes empty without a million deletes.
    const all = o.v;
    o.v = new SplitSet();
    c.db.modified(key);
    c.w.setHeader(all.size);
    // As redis-server's copy of the whole set, a small set of integers comes out sorted.
    return replySliced(c, eachWritten(all.size <= 512 ? sortedIfIntset([...all]) : all, (m) => c.w.bulk(m)));
  }
  c.w.setHeader(count);
  const rest = count > KEEP_BY_DELETING ? new SplitSet() : null;
  const picked: string[] = [];
  const from = o.v;
  // The picks are written as they are made; the set changes only once all are made, in one turn.
  const apply = () => {
    if (rest !== null) o.v = rest;
    else for (const m of picked) from.delete(m);
    c.db.modified(key);
  };
  runSliced(c, sampleSteps(from, count, rest, (m) => {
    picked.push(m);
    c.w.bulk(m);
  }), apply, a);
}

/** Up to this many picks are deleted from the set; past it the members kept are gathered into a new set instead. */
const KEEP_BY_DELETING = 10_000;

/**
 * Picks `count` members of `s` (below its size), each subset as likely as any: selection sampling, one
 * step per member, with no copy of the set. The members not picked go to `rest` when it is given.
 */
function* sampleSteps(s: SplitSet, count: number, rest: SplitSet | null, pick: (m: string) => void): Generator<void> {
  let left = s.size;
  let need = count;
  for (const m of s) {
    if (Math.random() * left < need) {
      pick(m);
      need--;
      if (need === 0 && rest === null) return;
    } else rest?.add(m);
    left--;
    yield;
  }
}

function srandmember(c: Client, a: string[]): void {
  if (a.length > 3) fail(E.SYNTAX);
  if (a.length === 3) parseRandomCount(a[2] as string);
  const s = getSet(c, a[1] as string);
  if (a.length === 2) {
    if (s === null) return c.w.nil();
    return c.w.bulk(randomOne(s) as string);
  }
  const count = parseIntArg(a[2] as string);
  if (s === null) return c.w.array(0);
  const w = c.w;
  replyRandom(c, s, count, (n) => w.array(n), (m) => w.bulk(m));
}

function numkeysList(a: string[], at: number): string[] {
  const n = parseRangeIntArg(a[at] as string, 1, Infinity, 'ERR numkeys should be greater than 0');
  if (at + n >= a.length) fail("ERR Number of keys can't be greater than number of args");
  return a.slice(at + 1, at + 1 + n);
}

export const setCommands = defineGroup('set', [
  {
    name: 'sadd',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const o = c.db.getOrCreate(key, 'set', newSet);
      const enc = c.engine.config.encoding;
      // No closures on this path: made per call, they halved a pipeline's SADD rate.
      if (a.length <= SLICED_WRITE_ARGS) {
        let added = 0;
        for (let i = 2; i < a.length; i++) {
          const m = a[i] as string;
          if (o.v.has(m)) continue;
          o.v.add(m);
          added++;
        }
        updateEncoding(o, a.slice(2), enc, true, added > 0 ? a.slice(2) : []);
        // Members already there are no write for redis-server: no event, no dirty, WATCH holds.
        if (added > 0) c.db.modified(key);
        return c.w.int(added);
      }
      let n = 0;
      const add = (m: string): boolean => {
        if (o.v.has(m)) return false;
        o.v.add(m);
        n++;
        return true;
      };
      const db = c.db;
      const reply = () => {
        if (n > 0) db.modified(key);
        c.w.int(n);
      };
      // A million members held every node 0.6 s: added in slices, the node paused meanwhile.
      writeEach(c, a, a.length - 2, (j) => {
        const m = a[j + 2] as string;
        updateEncoding(o, [m], enc, true, add(m) ? [m] : []);
      }, reply);
    },
  },
  {
    name: 'srem',
    arity: -3,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const s = getSet(c, key, false);
      if (s === null) return c.w.int(0);
      let n = 0;
      const db = c.db;
      writeEach(c, a, a.length - 2, (j) => {
        if (s.delete(a[j + 2] as string)) n++;
      }, () => {
        if (n > 0) db.modified(key);
        c.w.int(n);
      });
    },
  },
  { name: 'scard', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getSet(c, a[1] as string)?.size ?? 0) },
  { name: 'sismember', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getSet(c, a[1] as string)?.has(a[2] as string) ? 1 : 0) },
  {
    name: 'smismember',
    arity: -3,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const s = getSet(c, a[1] as string);
      c.w.array(a.length - 2);
      for (let i = 2; i < a.length; i++) c.w.int(s?.has(a[i] as string) ? 1 : 0);
    },
  },
  {
    name: 'smembers',
    arity: 2,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const s = getSet(c, a[1] as string);
      // An intset answers sorted, so only a hashtable-encoded set is written as it iterates.
      if (s === null || (c.db.peek(a[1] as string) as SetObj).big !== true) return c.w.setOfBulks(s === null ? [] : members(c, a[1] as string, s));
      c.w.setHeader(s.size);
      replySliced(c, eachWritten(s, (m) => c.w.bulk(m)));
    },
  },
  { name: 'spop', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], handler: spop },
  { name: 'srandmember', arity: -2, flags: ['readonly'], keys: [1, 1, 1], handler: srandmember },
  {
    name: 'smove',
    arity: 4,
    flags: ['write', 'fast'],
    keys: [1, 2, 1],
    handler: (c, a) => {
      const src = a[1] as string;
      const dst = a[2] as string;
      const m = a[3] as string;
      const srcObj = c.db.lookup(src, false);
      // 7.0 looks the destination up before it checks the source: a destination past its TTL expires.
      c.db.lookup(dst, false);
      if (srcObj === null) return c.w.int(0);
      const s = getSet(c, src, false) as SplitSet;
      getSet(c, dst, false);
      if (!s.has(m)) return c.w.int(0);
      if (src === dst) return c.w.int(1);
      // Two keys with different events, in Redis's order: srem (and del if emptied) before sadd.
      const e = c.engine;
      s.delete(m);
      c.db.modified(src);
      notify(e, 's', 'srem', c.dbIndex, src);
      const at = e.emptied.findIndex(([db, k]) => db === c.dbIndex && k === src);
      if (at >= 0) {
        e.emptied.splice(at, 1);
        notify(e, 'g', 'del', c.dbIndex, src);
      }
      // redis-server signals the source before it adds to the destination.
      e.tracking.releaseKey(src);
      const d = c.db.getOrCreate(dst, 'set', newSet);
      if (!d.v.has(m)) {
        d.v.add(m);
        updateEncoding(d, [m], c.engine.config.encoding);
        c.db.modified(dst);
        notify(e, 's', 'sadd', c.dbIndex, dst);
      }
      c.w.int(1);
    },
  },
  ...(['union', 'inter', 'diff'] as const).flatMap((op) => [
    {
      name: `s${op}`,
      arity: -2,
      flags: ['readonly'] as const,
      keys: [1, -1, 1] as [number, number, number],
      handler: (c: Client, a: string[]) => {
        const out = new SplitSet();
        const sets = a.slice(1).map((k) => getSet(c, k));
        runSliced(c, combinedAndWritten(c, sets, op, out), () => undefined);
      },
    },
    {
      name: `s${op}store`,
      arity: -3,
      flags: ['write', 'denyoom'] as const,
      keys: [1, -1, 1] as [number, number, number],
      handler: (c: Client, a: string[]) => {
        const out = new SplitSet();
        const sets = a.slice(2).map((k) => getSet(c, k));
        runSliced(c, combineSteps(sets, op, out), () => store(c, a[1] as string, out, `s${op}store`), a);
      },
    },
  ]),
  {
    name: 'sintercard',
    arity: -3,
    flags: ['readonly'],
    keysOf: (a) => numkeysPositions(a, 1),
    handler: (c, a) => {
      const keys = numkeysList(a, 1);
      let limit = 0;
      for (let i = 2 + keys.length; i < a.length; i++) {
        if (!is(a[i], 'limit') || i + 1 >= a.length) fail(E.SYNTAX);
        limit = parseRangeIntArg(a[++i] as string, 0, Infinity, "ERR LIMIT can't be negative");
      }
      const sets = keys.map((k) => getSet(c, k));
      const count = { n: 0 };
      runSliced(c, interCardSteps(sets, limit, count), () => c.w.int(count.n));
    },
  },
  {
    name: 'sscan',
    arity: -3,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      parseCursor(a[2] as string); // before the key's type, as redis-server
      const o = c.db.get(a[1] as string, 'set');
      scanCollection(c, a, o, () => members(c, a[1] as string, (o as SetObj).v).map((m) => [m]), (m) => [m]);
    },
  },
]);
