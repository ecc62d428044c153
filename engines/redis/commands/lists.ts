// List commands, including the blocking ones.
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newList, type ListObj } from '../db/objects.ts';
import { E, fail } from '../errors.ts';
import { I64_MIN, parseI64Arg, parseIntArg } from '../num.ts';
import { parseMpopArgs } from './mpop-args.ts';
import { eachWritten, indexes, replySliced, runSliced } from '../sliced.ts';
import { PER_STEP } from '../../slices.ts';
import type { Quicklist } from '../types/quicklist.ts';
import { failBlocked } from './blocked-error.ts';
import { clampRange, is, parseCount, parseTimeout } from './util.ts';
import { announceEmptied, notify } from '../notify.ts';
import { listOptionsOf } from '../db/list-options.ts';

type End = 'left' | 'right';

function getList(c: Client, key: string, read = true): Quicklist | null {
  return c.db.get(key, 'list', read)?.v ?? null;
}

function parseEnd(s: string): End {
  if (is(s, 'left')) return 'left';
  if (is(s, 'right')) return 'right';
  fail(E.SYNTAX);
}

/** A new list keeps the quicklist settings in force when it is made, as redis-server's does. */
function configuredList(c: Client): ListObj {
  return newList(listOptionsOf(c.engine));
}

function push(c: Client, a: string[], end: End, onlyIfExists: boolean): void {
  const key = a[1] as string;
  if (onlyIfExists && getList(c, key, false) === null) return c.w.int(0);
  const o = c.db.getOrCreate(key, 'list', () => configuredList(c));
  for (let i = 2; i < a.length; i++) {
    if (end === 'left') o.v.pushFront(a[i] as string);
    else o.v.pushBack(a[i] as string);
  }
  const len = o.v.length;
  c.db.modified(key);
  c.w.int(len);
}

function popOne(c: Client, key: string, end: End): string | undefined {
  const l = getList(c, key, false);
  if (l === null) return undefined;
  const v = end === 'left' ? l.popFront() : l.popBack();
  c.db.modified(key);
  return v;
}

function popMany(c: Client, key: string, end: End, count: number): string[] {
  const l = getList(c, key, false);
  if (l === null) return [];
  const out: string[] = [];
  while (out.length < count && l.length > 0) out.push((end === 'left' ? l.popFront() : l.popBack()) as string);
  // A count of 0 changes nothing, so redis-server announces nothing.
  if (out.length !== 0) c.db.modified(key);
  return out;
}

function pop(c: Client, a: string[], end: End): void {
  const key = a[1] as string;
  if (a.length === 2) return c.w.bulkOrNil(popOne(c, key, end));
  if (a.length > 3) fail(`ERR wrong number of arguments for '${end === 'left' ? 'lpop' : 'rpop'}' command`);
  const count = parseCount(a[2] as string);
  // lookupKeyWriteOrReply, as without a count: no keyspace miss, no keymiss event.
  const l = getList(c, key, false);
  if (l === null) return c.w.nilArray();
  if (count > POP_SLICED_FROM) return popSliced(c, a, key, l, end, count, (n) => c.w.array(n), () => undefined);
  c.w.bulks(popMany(c, key, end, count));
}

/** Pops of more elements than this are written in slices (see popSliced). */
const POP_SLICED_FROM = 1024;

/**
 * Pops `count` elements from `end` of `l` (at `key`) into the reply, `head` getting how many: they are
 * written in slices, the node's other clients held, and leave the list in one turn once all are written
 * (a replica sharing the list must not see it half popped). A pop of a million held every node ~0.6 s.
 */
function popSliced(c: Client, a: string[], key: string, l: Quicklist, end: End, count: number, head: (n: number) => void, popped: () => void): void {
  const n = Math.min(count, l.length);
  head(n);
  const at = (k: number) => (end === 'left' ? k : l.length - 1 - k);
  runSliced(c, eachWritten(indexes(0, n - 1), (k) => c.w.bulk(l.get(at(k)) as string)), () => {
    if (n === l.length) l.reset([]);
    else if (end === 'left') for (let k = 0; k < n; k++) l.popFront();
    else for (let k = 0; k < n; k++) l.popBack();
    c.db.modified(key);
    popped();
  }, a);
}

/** Finds the first `v` in `l` into `at.i`, a step per PER_STEP elements. */
function* findSteps(l: Quicklist, v: string, at: { i: number }): Generator<void> {
  for (let i = 0; i < l.length; i++) {
    if (l.get(i) === v) {
      at.i = i;
      return;
    }
    if (i % PER_STEP === PER_STEP - 1) yield;
  }
}

/** Redis names list events after the end they touch. */
function announce(c: Client, kind: 'push' | 'pop', end: End, key: string): void {
  notify(c.engine, 'l', `${end === 'left' ? 'l' : 'r'}${kind}`, c.dbIndex, key);
}

/** LMOVE's core: pop from src, push to dst; dst type is checked before anything moves. */
function move(c: Client, src: string, dst: string, from: End, to: End): string | null {
  const l = getList(c, src, false);
  if (l === null || l.length === 0) return null;
  getList(c, dst, false);
  const v = (from === 'left' ? l.popFront() : l.popBack()) as string;
  const d = c.db.getOrCreate(dst, 'list', () => configuredList(c));
  if (to === 'left') d.v.pushFront(v);
  else d.v.pushBack(v);
  // As redis-server: the destination is signalled before the source (a tracking client hears of dst
  // first); a list rotated onto itself is never empty in between, so it is not deleted and recreated.
  c.db.modified(dst);
  if (src !== dst) c.db.modified(src);
  // As redis-server: the push is announced before the pop (and the pop before a del of an emptied source).
  announce(c, 'push', to, dst);
  announce(c, 'pop', from, src);
  return v;
}

/** Should a blocking command wait? Not inside MULTI, where it answers as if timed out. */
function canBlock(c: Client): boolean {
  return c.engine.execDepth === 0 && c.multi === null;
}

function blockingPop(c: Client, a: string[], end: End): void {
  const keys = a.slice(1, -1);
  const timeout = parseTimeout(a[a.length - 1] as string);
  for (const key of keys) {
    const l = getList(c, key, false);
    if (l !== null && l.length > 0) {
      c.w.array(2);
      c.w.bulk(key);
      c.w.bulk(popOne(c, key, end) as string);
      announce(c, 'pop', end, key);
      return;
    }
  }
  if (!canBlock(c)) return c.w.nilArray();
  const dbIndex = c.dbIndex;
  c.engine.block(c, keys, timeout, {
    tryServe: (key) => {
      const db = c.engine.ks.dbs[dbIndex];
      const o = db?.peek(key);
      if (db === undefined || o === null || o === undefined || o.type !== 'list' || o.v.length === 0) return false;
      const v = (end === 'left' ? o.v.popFront() : o.v.popBack()) as string;
      db.modified(key);
      c.w.array(2);
      c.w.bulk(key);
      c.w.bulk(v);
      announce(c, 'pop', end, key);
      announceEmptied(c.engine);
      return true;
    },
    onTimeout: () => c.w.nilArray(),
  });
}

function blockingMove(c: Client, command: string, src: string, dst: string, from: End, to: End, timeoutArg: string): void {
  const timeout = parseTimeout(timeoutArg);
  const v = move(c, src, dst, from, to);
  if (v !== null) return c.w.bulk(v);
  if (!canBlock(c)) return c.w.nil();
  const dbIndex = c.dbIndex;
  c.engine.block(c, [src], timeout, {
    tryServe: () => {
      const saved = c.dbIndex;
      c.dbIndex = dbIndex;
      try {
        // A destination that is no longer a list ends the wait with WRONGTYPE; the element stays
        // in the source for the next waiter (redis-server 7.0's serveClientBlockedOnList).
        const dstType = c.db.typeOf(dst, false);
        if (dstType !== null && dstType !== 'list' && (getList(c, src, false)?.length ?? 0) > 0) {
          failBlocked(c, command, E.WRONGTYPE);
          return true;
        }
        const moved = move(c, src, dst, from, to);
        if (moved === null) return false;
        c.w.bulk(moved);
        announceEmptied(c.engine);
        return true;
      } catch {
        return false;
      } finally {
        c.dbIndex = saved;
      }
    },
    // redis-server answers every timed-out list wait with a null array, BLMOVE's too (inside MULTI it is a null bulk).
    onTimeout: () => c.w.nilArray(),
  });
}

function writeMpop(c: Client, key: string, items: string[]): void {
  c.w.array(2);
  c.w.bulk(key);
  c.w.bulks(items);
}

function lmpop(c: Client, a: string[], blocking: boolean): void {
  // redis-server reads the timeout last, after the keys, the end and the count.
  const m = parseMpopArgs(a, blocking ? 2 : 1, parseEnd);
  const timeout = blocking ? parseTimeout(a[1] as string) : 0;
  for (const key of m.keys) {
    const l = getList(c, key, false);
    if (l !== null && l.length > 0) {
      if (m.count > POP_SLICED_FROM) return popSliced(c, a, key, l, m.end, m.count, (n) => (c.w.array(2), c.w.bulk(key), c.w.array(n)), () => announce(c, 'pop', m.end, key));
      writeMpop(c, key, popMany(c, key, m.end, m.count));
      return announce(c, 'pop', m.end, key);
    }
  }
  if (!blocking || !canBlock(c)) return c.w.nilArray();
  const dbIndex = c.dbIndex;
  c.engine.block(c, m.keys, timeout, {
    tryServe: (key) => {
      const db = c.engine.ks.dbs[dbIndex];
      const o = db?.peek(key);
      if (db === undefined || o === null || o === undefined || o.type !== 'list' || o.v.length === 0) return false;
      const out: string[] = [];
      while (out.length < m.count && o.v.length > 0) out.push((m.end === 'left' ? o.v.popFront() : o.v.popBack()) as string);
      db.modified(key);
      writeMpop(c, key, out);
      announce(c, 'pop', m.end, key);
      announceEmptied(c.engine);
      return true;
    },
    onTimeout: () => c.w.nilArray(),
  });
}

function lpos(c: Client, a: string[]): void {
  let rank = 1;
  // redis-server 7.0 negates a negative rank in int64: LLONG_MIN stays negative, so every match from
  // the tail counts as reached, and COUNT's stop test overflows: all matches are listed.
  let rankWraps = false;
  let count: number | null = null;
  let maxlen = 0;
  for (let i = 3; i < a.length; i++) {
    const v = a[i + 1];
    if (v === undefined) fail(E.SYNTAX);
    if (is(a[i], 'rank')) {
      const r = parseI64Arg(v);
      rankWraps = r === I64_MIN;
      rank = Number(r);
      if (rank === 0) fail("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
    } else if (is(a[i], 'count')) {
      count = parseIntArg(v, "ERR COUNT can't be negative");
      if (count < 0) fail("ERR COUNT can't be negative");
    } else if (is(a[i], 'maxlen')) {
      maxlen = parseIntArg(v, "ERR MAXLEN can't be negative");
      if (maxlen < 0) fail("ERR MAXLEN can't be negative");
    } else fail(E.SYNTAX);
    i++;
  }
  const l = getList(c, a[1] as string);
  const elem = a[2] as string;
  const matches: number[] = [];
  if (l !== null) {
    const n = l.length;
    const want = count === null ? 1 : count === 0 || rankWraps ? Infinity : count;
    let skip = rankWraps ? 0 : Math.abs(rank) - 1;
    for (let step = 0; step < n && (maxlen === 0 || step < maxlen) && matches.length < want; step++) {
      const idx = rank > 0 ? step : n - 1 - step;
      if (l.get(idx) === elem) {
        if (skip > 0) skip--;
        else matches.push(idx);
      }
    }
  }
  if (count === null) {
    if (matches.length === 0) c.w.nil();
    else c.w.int(matches[0] as number);
  } else {
    c.w.array(matches.length);
    for (const m of matches) c.w.int(m);
  }
}

export const listCommands = defineGroup('list', [
  { name: 'lpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => push(c, a, 'left', false) },
  { name: 'rpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => push(c, a, 'right', false) },
  { name: 'lpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => push(c, a, 'left', true) },
  { name: 'rpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => push(c, a, 'right', true) },
  { name: 'lpop', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], handler: (c, a) => pop(c, a, 'left') },
  { name: 'rpop', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], handler: (c, a) => pop(c, a, 'right') },
  { name: 'llen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getList(c, a[1] as string)?.length ?? 0) },
  {
    name: 'lrange',
    arity: 4,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const start = parseIntArg(a[2] as string);
      const end = parseIntArg(a[3] as string);
      const l = getList(c, a[1] as string);
      const r = l === null ? null : clampRange(start, end, l.length);
      if (l === null || r === null) return c.w.array(0);
      c.w.array(r[1] - r[0] + 1);
      replySliced(c, eachWritten(indexes(r[0], r[1]), (i) => c.w.bulk(l.get(i) as string)));
    },
  },
  {
    name: 'lindex',
    arity: 3,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const l = getList(c, a[1] as string);
      if (l === null) return c.w.nil();
      const idx = parseIntArg(a[2] as string);
      c.w.bulkOrNil(l.get(idx < 0 ? l.length + idx : idx));
    },
  },
  {
    name: 'lset',
    arity: 4,
    flags: ['write', 'denyoom'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const l = getList(c, key, false);
      if (l === null) fail(E.NO_KEY);
      const idx = parseIntArg(a[2] as string);
      const i = idx < 0 ? l.length + idx : idx;
      if (i < 0 || i >= l.length) fail(E.OUT_OF_RANGE);
      l.set(i, a[3] as string);
      c.db.modified(key);
      c.w.ok();
    },
  },
  {
    name: 'linsert',
    arity: 5,
    flags: ['write', 'denyoom'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const after = is(a[2], 'after');
      if (!after && !is(a[2], 'before')) fail(E.SYNTAX);
      const l = getList(c, key, false);
      if (l === null) return c.w.int(0);
      const at = { i: -1 };
      // The pivot is looked for in slices (a million elements held every node ~0.4 s); the insert moves the shorter side.
      runSliced(c, findSteps(l, a[3] as string, at), () => {
        if (at.i === -1) return c.w.int(-1);
        l.insertAround(at.i, a[4] as string, after);
        c.db.modified(key);
        c.w.int(l.length);
      }, a);
    },
  },
  {
    name: 'lrem',
    arity: 4,
    flags: ['write'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const count = parseIntArg(a[2] as string);
      const elem = a[3] as string;
      const l = getList(c, key, false);
      if (l === null) return c.w.int(0);
      const removed = l.removeEqual(elem, count === 0 ? Infinity : Math.abs(count), count < 0);
      if (removed > 0) c.db.modified(key);
      c.w.int(removed);
    },
  },
  {
    name: 'ltrim',
    arity: 4,
    flags: ['write'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const start = parseIntArg(a[2] as string);
      const end = parseIntArg(a[3] as string);
      const l = getList(c, key, false);
      if (l === null) return c.w.ok();
      const r = clampRange(start, end, l.length);
      if (r === null) l.keep(1, 0);
      else l.keep(r[0], r[1]);
      c.db.modified(key);
      c.w.ok();
    },
  },
  { name: 'lpos', arity: -3, flags: ['readonly'], keys: [1, 1, 1], handler: lpos },
  {
    name: 'rpoplpush',
    arity: 3,
    flags: ['write', 'denyoom'],
    keys: [1, 2, 1],
    handler: (c, a) => c.w.bulkOrNil(move(c, a[1] as string, a[2] as string, 'right', 'left')),
  },
  {
    name: 'lmove',
    arity: 5,
    flags: ['write', 'denyoom'],
    keys: [1, 2, 1],
    handler: (c, a) => {
      const from = parseEnd(a[3] as string);
      const to = parseEnd(a[4] as string);
      c.w.bulkOrNil(move(c, a[1] as string, a[2] as string, from, to));
    },
  },
  { name: 'lmpop', arity: -4, flags: ['write'], keysOf: (a) => mpopKeys(a, 1), handler: (c, a) => lmpop(c, a, false) },
  { name: 'blpop', arity: -3, flags: ['write', 'blocking'], keys: [1, -2, 1], handler: (c, a) => blockingPop(c, a, 'left') },
  { name: 'brpop', arity: -3, flags: ['write', 'blocking'], keys: [1, -2, 1], handler: (c, a) => blockingPop(c, a, 'right') },
  {
    name: 'brpoplpush',
    arity: 4,
    flags: ['write', 'denyoom', 'blocking'],
    keys: [1, 2, 1],
    handler: (c, a) => blockingMove(c, 'brpoplpush', a[1] as string, a[2] as string, 'right', 'left', a[3] as string),
  },
  {
    name: 'blmove',
    arity: 6,
    flags: ['write', 'denyoom', 'blocking'],
    keys: [1, 2, 1],
    handler: (c, a) => blockingMove(c, 'blmove', a[1] as string, a[2] as string, parseEnd(a[3] as string), parseEnd(a[4] as string), a[5] as string),
  },
  { name: 'blmpop', arity: -5, flags: ['write', 'blocking'], keysOf: (a) => mpopKeys(a, 2), handler: (c, a) => lmpop(c, a, true) },
]);

export function mpopKeys(a: string[], numkeysAt: number): number[] {
  const n = Number(a[numkeysAt]);
  const out: number[] = [];
  for (let i = 0; i < n && numkeysAt + 1 + i < a.length; i++) out.push(numkeysAt + 1 + i);
  return out;
}
