// Sorted set commands.
import { cEquals } from '../c-string.ts';
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newZSet, updateEncoding, type ZSetObj } from '../db/objects.ts';
import { SplitMap } from '../db/split-table.ts';
import { settleRangeDelete } from '../db/dict-size.ts';
import { E, fail } from '../errors.ts';
import { listpackScoreRead, parseIntArg, parseRangeIntArg, toFloat, toRangeFloat } from '../num.ts';
import { ZSet, type LexRange, type ScoreRange } from '../types/zset.ts';
import { randomOne, replyRandom } from './random-reply.ts';
import { interCardSteps } from './intercard.ts';
import { parseMpopArgs } from './mpop-args.ts';
import { ListpackAdds, readScoreRange, readSetOp, readWindow } from './zset-score-reads.ts';
import { scanCollection } from './scan-collection.ts';
import { sortInSteps } from '../sort-in-steps.ts';
import { announceEmptied, notify } from '../notify.ts';
import { eachWritten, replySliced, runSliced, runSlicedWrite, SLICED_WRITE_ARGS, writeEach } from '../sliced.ts';
import { formatDouble } from '../resp/writer.ts';
import { clampRange, is, parseCount, parseCursor, parseRandomArgs, parseTimeout, keyword } from './util.ts';

type Entry = [string, number];

function getZ(c: Client, key: string, read = true): ZSet | null {
  return c.db.get(key, 'zset', read)?.v ?? null;
}

/** The sorted set at key, for the listpack score reads (zset-score-reads.ts). */
function zsetAt(c: Client, key: string): ZSetObj | null {
  const o = c.db.peek(key);
  return o !== null && o.type === 'zset' ? o : null;
}

function parseScore(s: string): number {
  const v = toFloat(s);
  if (v === null || Number.isNaN(v)) fail(E.NOT_FLOAT);
  return v;
}

export function parseScoreRange(minS: string, maxS: string): ScoreRange {
  const one = (arg: string): [number, boolean] => {
    // redis-server hands the bound to strtod as a C string: it ends at a NUL byte.
    const s = arg.split('\0')[0] as string;
    const ex = s.startsWith('(');
    const v = toRangeFloat(ex ? s.slice(1) : s);
    if (v === null) fail(E.MIN_MAX_FLOAT);
    return [v, ex];
  };
  const [min, minEx] = one(minS);
  const [max, maxEx] = one(maxS);
  return { min, max, minEx, maxEx };
}

export function parseLexRange(minS: string, maxS: string): LexRange {
  const one = (s: string): [string | null, boolean, -1 | 0 | 1] => {
    // zslParseLexRangeItem checks c[1] == '\0': '-' and '+' followed by a NUL are still the ends.
    if (cEquals(s, '-')) return [null, false, -1];
    if (cEquals(s, '+')) return [null, false, 1];
    if (s.startsWith('(')) return [s.slice(1), true, 0];
    if (s.startsWith('[')) return [s.slice(1), false, 0];
    fail(E.MIN_MAX_LEX);
  };
  const [min, minEx, minInf] = one(minS);
  const [max, maxEx, maxInf] = one(maxS);
  return { min, max, minEx, maxEx, minInf, maxInf };
}

/** How entries go out: members alone, or with scores (flat in RESP2, pairs in RESP3). */
function entryReply(c: Client, withScores: boolean): { header: (n: number) => void; write: (e: Entry) => void } {
  const w = c.w;
  const pairs = withScores && w.proto === 3;
  return {
    header: (n) => w.array(withScores && !pairs ? n * 2 : n),
    write: ([m, s]) => {
      if (pairs) w.array(2);
      w.bulk(m);
      if (pairs) w.double(s);
      else if (withScores) w.bulk(formatDouble(s));
    },
  };
}

function writeEntries(c: Client, entries: Entry[], withScores: boolean): void {
  const r = entryReply(c, withScores);
  r.header(entries.length);
  for (const e of entries) r.write(e);
}

/** A stretch of a sorted set: `count` entries from rank `from`, ranks counted in the walking direction. */
interface Window {
  from: number;
  count: number;
  rev: boolean;
}

/**
 * Replies a window that may hold a million entries: walked and written in slices (see replySliced), never
 * gathered first.
 */
function writeWindow(c: Client, z: ZSet, win: Window, withScores: boolean): void {
  const r = entryReply(c, withScores);
  r.header(win.count);
  replySliced(c, eachWritten(z.walk(win.from, win.count, win.rev), r.write));
}

function zadd(c: Client, a: string[], incrCmd: boolean): void {
  const key = a[1] as string;
  let nx = false,
    xx = false,
    gt = false,
    lt = false,
    ch = false,
    incr = incrCmd;
  let i = 2;
  // ZINCRBY goes through the same option parser in redis-server: `ZINCRBY z xx m` is a syntax error.
  for (; i < a.length; i++) {
    const o = keyword(a[i] as string);
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o === 'gt') gt = true;
    else if (o === 'lt') lt = true;
    else if (o === 'ch') ch = true;
    else if (o === 'incr') incr = true;
    else break;
  }
  const rest = a.length - i;
  if (rest === 0 || rest % 2 !== 0) fail(E.SYNTAX);
  if (nx && xx) fail('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) fail('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && rest > 2) fail('ERR INCR option supports a single increment-element pair');
  const flags = i === 2 ? (incr ? INCR_ONLY : NO_OPTIONS) : { nx, xx, gt, lt, ch, incr };
  const run = new ZAddRun(c, key, flags, a[i + 1]);
  const pairs: Entry[] = [];
  if (a.length > SLICED_WRITE_ARGS) {
    // A million members held every node 1.6 s. Every score is parsed (an error changes nothing) before
    // the first member goes in; then a member a step, the node paused (runSlicedWrite).
    const steps = function* (): Generator<void> {
      for (let j = i; j < a.length; j += 2) {
        pairs.push([a[j + 1] as string, parseScore(a[j] as string)]);
        yield;
      }
      const z = run.target();
      if (z === null) return;
      for (const [m, sc] of pairs) {
        run.oneChecked(z, m, sc);
        yield;
      }
    };
    return runSlicedWrite(c, steps(), () => run.reply(), a);
  }
  if (rest === 2) {
    // One member, the common case: the general path's arrays and set were most of a pipelined ZADD's garbage.
    const sc = parseScore(a[i] as string);
    const z = run.target();
    if (z !== null) run.oneChecked(z, a[i + 1] as string, sc);
    return run.reply();
  }
  for (let j = i; j < a.length; j += 2) pairs.push([a[j + 1] as string, parseScore(a[j] as string)]);
  const z = run.target();
  if (z === null) return run.reply();
  const members = pairs.map(([m]) => m);
  const had = new Set(members.filter((m) => z.v.score(m) !== undefined));
  for (const [m, sc] of pairs) run.one(z, m, sc);
  updateEncoding(z, members, c.engine.config.encoding, true, members.filter((m) => !had.has(m) && z.v.score(m) !== undefined));
  run.reply();
}

interface ZAddFlags {
  readonly nx: boolean;
  readonly xx: boolean;
  readonly gt: boolean;
  readonly lt: boolean;
  readonly ch: boolean;
  readonly incr: boolean;
}

/** ZADD and ZINCRBY without options, shared rather than made per call. */
const NO_OPTIONS: ZAddFlags = { nx: false, xx: false, gt: false, lt: false, ch: false, incr: false };
const INCR_ONLY: ZAddFlags = { ...NO_OPTIONS, incr: true };

/**
 * One ZADD's members and reply, whether it runs now or in slices. A class, not closures made per call:
 * closures over the command's counters made every ZADD of a pipeline twice as slow (-P 16: 1.2M -> 0.6M/s).
 */
class ZAddRun {
  o: ZSetObj | null = null;
  added = 0;
  changed = 0;
  result: number | null = null;

  /** The strtod reads of a listpack's scores (zset-score-reads.ts). */
  reads: ListpackAdds | null = null;

  constructor(
    private readonly c: Client,
    private readonly key: string,
    private readonly f: ZAddFlags,
    private readonly firstMember: string | undefined,
  ) {}

  /** The sorted set to add to, made if missing; null under XX when there is none. */
  target(): ZSetObj | null {
    const created = getZ(this.c, this.key, false) === null;
    if (created && this.f.xx) return null;
    this.o = this.c.db.getOrCreate(this.key, 'zset', newZSet);
    this.reads = new ListpackAdds(this.o, this.c.engine.config.encoding, created, this.firstMember);
    return this.o;
  }

  one(z: ZSetObj, m: string, s: number): void {
    const f = this.f;
    const cur = z.v.score(m);
    this.reads?.found(cur);
    if (cur === undefined) {
      if (f.xx) return;
      this.reads?.adding(m);
      z.v.add(m, s);
      this.reads?.placed(m);
      this.added++;
      this.result = s;
      return;
    }
    if (f.nx) return;
    let next = s;
    if (f.incr) {
      next = cur + s;
      // redis-server's zaddGenericCommand leaves at once: nothing changed, so no signal (tracking, WATCH).
      if (Number.isNaN(next)) fail('ERR resulting score is not a number (NaN)');
    }
    if ((f.gt && next <= cur) || (f.lt && next >= cur)) return;
    this.result = next;
    if (next !== cur) {
      z.v.add(m, next);
      this.reads?.placed(m);
      this.changed++;
    }
  }

  /** One member on its own, its encoding checked right after as zsetAdd does per insert (a sliced or one-member ZADD). */
  oneChecked(z: ZSetObj, m: string, s: number): void {
    const had = z.v.score(m) !== undefined;
    this.one(z, m, s);
    updateEncoding(z, [m], this.c.engine.config.encoding, true, had || z.v.score(m) === undefined ? [] : [m]);
  }

  reply(): void {
    const { c, o } = this;
    if (o === null) return this.f.incr ? c.w.nil() : c.w.int(0);
    // Nothing added or changed is no write for redis-server: no event, no dirty, WATCH holds.
    if (this.added + this.changed > 0 || o.v.size === 0) c.db.modified(this.key);
    if (this.f.incr) {
      if (this.result === null) return c.w.nil();
      return c.w.double(this.result);
    }
    c.w.int(this.f.ch ? this.added + this.changed : this.added);
  }
}

interface RangeSpec {
  by: 'rank' | 'score' | 'lex';
  rev: boolean;
  withScores: boolean;
  offset: number;
  limit: number;
}

/** Whether redis-server holds key's sorted set as a listpack, where it finds lex ranges by walking (ZSet.spanInLexByWalk). */
function listpackAt(c: Client, key: string): boolean {
  const o = c.db.peek(key);
  return o !== null && o.type === 'zset' && !o.big;
}

/** The entries a range names, as a window: found by rank arithmetic, not by walking them (but for a listpack's lex range). */
function rangeWindow(z: ZSet, minS: string, maxS: string, spec: RangeSpec, listpack: boolean): Window {
  const none = { from: 0, count: 0, rev: spec.rev };
  if (spec.by === 'rank') {
    const r = clampRange(parseIntArg(minS), parseIntArg(maxS), z.size);
    return r === null ? none : { from: r[0], count: r[1] - r[0] + 1, rev: spec.rev };
  }
  if (spec.by === 'lex' && listpack && spec.offset > 0) {
    const r = spec.rev ? parseLexRange(maxS, minS) : parseLexRange(minS, maxS);
    const w = z.lexWindowByWalk(r, spec.rev, spec.offset, spec.limit);
    return w === null ? none : { ...w, rev: spec.rev };
  }
  let span: [number, number] | null;
  if (spec.by === 'score') span = z.spanInScore(spec.rev ? parseScoreRange(maxS, minS) : parseScoreRange(minS, maxS));
  else {
    const r = spec.rev ? parseLexRange(maxS, minS) : parseLexRange(minS, maxS);
    span = listpack ? z.spanInLexByWalk(r, spec.rev) : z.spanInLex(r);
  }
  if (span === null || spec.offset < 0) return none;
  const [lo, hi] = span;
  const left = hi - lo + 1 - spec.offset;
  if (left <= 0) return none;
  const from = (spec.rev ? z.size - 1 - hi : lo) + spec.offset;
  return { from, count: spec.limit < 0 ? left : Math.min(spec.limit, left), rev: spec.rev };
}

/** Validates range bounds even for a missing key, so errors match Redis. */
function validateBounds(minS: string, maxS: string, spec: RangeSpec): void {
  if (spec.by === 'rank') {
    parseIntArg(minS);
    parseIntArg(maxS);
  } else if (spec.by === 'score') parseScoreRange(minS, maxS);
  else parseLexRange(minS, maxS);
}

function parseRangeOptions(a: string[], from: number, base: Partial<RangeSpec>, allowed: { by: boolean; rev: boolean; withScores: boolean; limit: boolean }): RangeSpec {
  const spec: RangeSpec = { by: 'rank', rev: false, withScores: false, offset: 0, limit: -1, ...base };
  let hasLimit = false;
  for (let i = from; i < a.length; i++) {
    const o = keyword(a[i] as string);
    if (o === 'withscores' && allowed.withScores) spec.withScores = true;
    else if (o === 'rev' && allowed.rev) spec.rev = true;
    else if (o === 'byscore' && allowed.by) spec.by = 'score';
    else if (o === 'bylex' && allowed.by) spec.by = 'lex';
    else if (o === 'limit' && allowed.limit && i + 2 < a.length) {
      spec.offset = parseIntArg(a[i + 1] as string);
      spec.limit = parseIntArg(a[i + 2] as string);
      hasLimit = true;
      i += 2;
    } else fail(E.SYNTAX);
  }
  // zrangeGenericCommand tests the count only: LIMIT <any> -1 by rank is no conflict.
  if (hasLimit && spec.limit !== -1 && spec.by === 'rank') fail('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (spec.withScores && spec.by === 'lex') fail('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  return spec;
}

function rangeCommand(c: Client, a: string[], base: Partial<RangeSpec>, allowed: { by: boolean; rev: boolean; withScores: boolean; limit: boolean }, swapForRev = false): void {
  const spec = parseRangeOptions(a, 4, base, allowed);
  let minS = a[2] as string;
  let maxS = a[3] as string;
  // Legacy ZREV*BY* take max before min; the unified ZRANGE ... REV takes them in the same order.
  if (swapForRev) [minS, maxS] = [maxS, minS];
  validateBounds(minS, maxS, spec);
  const z = getZ(c, a[1] as string);
  if (z === null) return writeEntries(c, [], spec.withScores);
  const win = rangeWindow(z, minS, maxS, spec, listpackAt(c, a[1] as string));
  readRange(zsetAt(c, a[1] as string), minS, maxS, spec, win, spec.withScores);
  writeWindow(c, z, win, spec.withScores);
}

/**
 * The listpack scores a range reads back: a rank range those it replies with scores (or stores), a
 * score range those its walk meets, unless the offset is past the end (an empty reply at once).
 */
function readRange(o: ZSetObj | null, minS: string, maxS: string, spec: RangeSpec, win: Window, scores: boolean): void {
  if (o === null) return;
  if (spec.by === 'rank') {
    if (scores) readWindow(o, win.from, win.count, win.rev);
  } else if (spec.by === 'score' && !(spec.offset > 0 && spec.offset >= o.v.size)) {
    readScoreRange(o, spec.rev ? parseScoreRange(maxS, minS) : parseScoreRange(minS, maxS), spec.rev, spec.offset, spec.limit);
  }
}

/** Stores a sorted set made by a command; like Redis it announces only `dst`: `event`, or del when emptied. */
function storeZ(c: Client, dst: string, z: ZSet, event: string): number {
  if (z.size === 0) {
    if (c.db.deleteAsIs(dst)) notify(c.engine, 'g', 'del', c.dbIndex, dst);
    return 0;
  }
  const o: ZSetObj = newZSet();
  o.v = z;
  const t = c.engine.config.encoding;
  // Past the listpack size the members need no look: a copy of a million would hold the loop.
  updateEncoding(o, z.size > t.zsetEntries ? [] : [...z.dict.keys()], t);
  c.db.set(dst, o);
  notify(c.engine, 'z', event, c.dbIndex, dst);
  return z.size;
}

type Aggregate = 'sum' | 'min' | 'max';

/** A source of ZUNION & co: a sorted set's scores, or a plain set whose members score 1. */
type Source = Map<string, number> | Set<string>;

/** Reads a source for ZUNION & co; a plain set is read in place, as copying a large one would hold the loop. */
function sourceOf(c: Client, key: string): Source | null {
  const o = c.db.lookup(key);
  if (o === null) return null;
  if (o.type === 'zset') return o.v.dict;
  if (o.type === 'set') return o.v;
  fail(E.WRONGTYPE);
}

function scoreIn(src: Source, m: string): number | undefined {
  if (src instanceof Map) return src.get(m);
  return src.has(m) ? 1 : undefined;
}

function sizeOf(src: Source | null | undefined): number {
  return src === null || src === undefined ? 0 : src.size;
}

function* entriesOf(src: Source): Generator<[string, number]> {
  if (src instanceof Map) yield* src;
  else for (const m of src) yield [m, 1];
}

interface SetOp {
  op: 'union' | 'inter' | 'diff';
  sources: (Source | null)[];
  weights: number[];
  agg: Aggregate;
  withScores: boolean;
  limit: number;
}

/** Parses ZUNION/ZINTER/ZDIFF(STORE) and ZINTERCARD (`cardOnly`: LIMIT is its only option). */
function parseSetOp(c: Client, a: string[], op: 'union' | 'inter' | 'diff', numkeysAt: number, name: string, allowWithScores: boolean, cardOnly = false): SetOp {
  const numkeys = parseIntArg(a[numkeysAt] as string);
  if (numkeys <= 0) fail(`ERR at least 1 input key is needed for '${name}' command`);
  if (numkeysAt + numkeys >= a.length) fail(E.SYNTAX);
  const keys = a.slice(numkeysAt + 1, numkeysAt + 1 + numkeys);
  // Redis type-checks every source key before it looks at WEIGHTS/AGGREGATE.
  const sources = keys.map((k) => sourceOf(c, k));
  const weights = keys.map(() => 1);
  let agg: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  for (let i = numkeysAt + 1 + numkeys; i < a.length; i++) {
    if (cardOnly) {
      if (!is(a[i], 'limit') || i + 1 >= a.length) fail(E.SYNTAX);
      limit = parseRangeIntArg(a[++i] as string, 0, Infinity, "ERR LIMIT can't be negative");
    } else if (op !== 'diff' && is(a[i], 'weights') && i + numkeys < a.length) {
      for (let j = 0; j < numkeys; j++) {
        const w = toFloat(a[i + 1 + j] as string);
        if (w === null || Number.isNaN(w)) fail('ERR weight value is not a float');
        weights[j] = w;
      }
      i += numkeys;
    } else if (op !== 'diff' && is(a[i], 'aggregate') && i + 1 < a.length) {
      const v = keyword(a[++i] as string);
      if (v !== 'sum' && v !== 'min' && v !== 'max') fail(E.SYNTAX);
      agg = v;
    } else if (allowWithScores && is(a[i], 'withscores')) withScores = true;
    else fail(E.SYNTAX);
  }
  readSetOp(op, keys.map((k) => c.db.peek(k)), limit);
  return { op, sources, weights, agg, withScores, limit };
}

/** A set operation's result computed into `z`, then written as its reply, both in steps (1.5M entries written in one turn held every node for seconds). */
function* computedAndWritten(c: Client, p: SetOp, z: ZSet): Generator<void> {
  yield* setOpSteps(p, z);
  const r = entryReply(c, p.withScores);
  r.header(z.size);
  yield* eachWritten(z.entries(), r.write);
}

/** Computes a parsed set operation into `z`, one member per step, so runSliced can spread it over slices. */
function* setOpSteps(p: SetOp, z: ZSet): Generator<void> {
  const { sources, weights, agg } = p;
  const combine = (x: number, y: number): number => {
    if (agg === 'sum') {
      const s = x + y;
      return Number.isNaN(s) ? 0 : s;
    }
    // zunionInterAggregate keeps the target unless the new value is strictly past it: MIN of 0 and -0 is 0.
    return agg === 'min' ? (y < x ? y : x) : y > x ? y : x;
  };
  const weighted = (s: number, w: number): number => {
    const v = s * w;
    return Number.isNaN(v) ? 0 : v;
  };
  const acc = new SplitMap<number>();
  // redis-server sorts the inputs of a union or an intersection by size, smallest first (a stable sort here,
  // as glibc's for a few inputs): the intersection walks the smallest, and both combine scores in that order
  // (inf + -inf is NaN, taken as 0: which pair meets first changes the sum).
  const order = sources.map((_, i) => i);
  if (p.op !== 'diff') order.sort((x, y) => sizeOf(sources[x]) - sizeOf(sources[y]));
  if (p.op === 'union') {
    for (const i of order) {
      const src = sources[i];
      if (src === undefined || src === null) continue;
      for (const [m, s] of entriesOf(src)) {
        const v = weighted(s, weights[i] as number);
        const cur = acc.get(m);
        acc.set(m, cur === undefined ? v : combine(cur, v));
        yield;
      }
    }
  } else if (p.op === 'inter') {
    if (!sources.some((s) => s === null)) {
      const all = order.map((i) => sources[i] as Source);
      const w = order.map((i) => weights[i] as number);
      for (const [m, s] of entriesOf(all[0] as Source)) {
        let v = weighted(s, w[0] as number);
        let everywhere = true;
        for (let i = 1; i < all.length; i++) {
          const other = scoreIn(all[i] as Source, m);
          if (other === undefined) {
            everywhere = false;
            break;
          }
          v = combine(v, weighted(other, w[i] as number));
        }
        if (everywhere) acc.set(m, v);
        yield;
      }
    }
  } else {
    const [first, ...rest] = sources;
    if (first) {
      for (const [m, s] of entriesOf(first)) {
        if (!rest.some((src) => src !== null && src !== undefined && scoreIn(src, m) !== undefined)) acc.set(m, s);
        yield;
      }
    }
  }
  if (acc.size < SORTED_APPEND_FROM) {
    for (const [m, s] of acc) {
      z.add(m, s);
      yield;
    }
    return;
  }
  // Sorted once, then appended at the skiplist's tail: a million inserts in hash order cost 5.6 s of skiplist
  // searches (ZUNIONSTORE of 1M + 1M took 12.3 s, redis-server 2.8).
  const entries: Entry[] = [];
  for (const e of acc) {
    entries.push(e);
    if (entries.length % 256 === 0) yield;
  }
  yield* sortInSteps(entries, byScoreThenMember);
  const append = z.appender();
  for (let i = 0; i < entries.length; i++) {
    const [m, sc] = entries[i] as Entry;
    append(m, sc);
    if (i % 16 === 15) yield;
  }
}

/** Results of at least this many members are sorted and appended rather than inserted one by one. */
const SORTED_APPEND_FROM = 4096;

/** The skiplist's order: score, then member bytes (latin1 strings compare as memcmp does). */
const byScoreThenMember = (x: Entry, y: Entry): number => (x[1] !== y[1] ? (x[1] < y[1] ? -1 : 1) : x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);

function pop(c: Client, key: string, max: boolean, count: number): Entry[] {
  const z = getZ(c, key, false);
  if (z === null) return [];
  readWindow(zsetAt(c, key), 0, Math.min(count, z.size), max);
  const out: Entry[] = [];
  while (out.length < count && z.size > 0) {
    const e = (max ? z.last() : z.first()) as Entry;
    z.remove(e[0]);
    out.push(e);
  }
  // A count of 0 changes nothing, so redis-server announces nothing.
  if (out.length !== 0) c.db.modified(key);
  return out;
}

function zpop(c: Client, a: string[], max: boolean): void {
  if (a.length > 3) fail(E.SYNTAX);
  let count = 1;
  if (a.length === 3) {
    count = parseCount(a[2] as string);
  }
  const pairs = a.length === 3 && c.w.proto === 3;
  const z = getZ(c, a[1] as string, false);
  if (z !== null && count > POP_SLICED_FROM) {
    const r = entryReply(c, true);
    return popSliced(c, a, a[1] as string, z, max, count, r.header, r.write, () => undefined);
  }
  const entries = pop(c, a[1] as string, max, count);
  if (pairs) return writeEntries(c, entries, true);
  c.w.array(entries.length * 2);
  for (const [m, s] of entries) {
    c.w.bulk(m);
    c.w.double(s);
  }
}

/** Pops of more entries than this are written in slices (see popSliced). */
const POP_SLICED_FROM = 1024;

/**
 * Pops `count` entries of `z` (at `key`) into the reply: `head` gets how many, `write` each in popping order.
 * They are walked and written in slices, the node's other clients held, then cut out of the set (the map a
 * step at a time, the skiplist run at once: a pop of a million held every node for ~1 s).
 */
function popSliced(c: Client, a: string[], key: string, z: ZSet, max: boolean, count: number, head: (n: number) => void, write: (e: Entry) => void, popped: () => void): void {
  const n = Math.min(count, z.size);
  readWindow(zsetAt(c, key), 0, n, max);
  head(n);
  function* steps(): Generator<void> {
    yield* eachWritten(z.walk(0, n, max), write);
    yield* z.removeRanksSteps(max ? z.size - n : 0, n);
  }
  runSlicedWrite(c, steps(), () => {
    c.db.modified(key);
    popped();
  }, a);
}

function canBlock(c: Client): boolean {
  return c.engine.execDepth === 0 && c.multi === null;
}

/** BZPOP*, ZMPOP and BZMPOP announce the key they popped from (ZPOPMIN/ZPOPMAX go through notify.ts's table). */
function announcePop(c: Client, key: string, max: boolean): void {
  notify(c.engine, 'z', max ? 'zpopmax' : 'zpopmin', c.dbIndex, key);
}

function bzpop(c: Client, a: string[], max: boolean): void {
  const keys = a.slice(1, -1);
  const timeout = parseTimeout(a[a.length - 1] as string);
  const reply = (key: string, e: Entry) => {
    c.w.array(3);
    c.w.bulk(key);
    c.w.bulk(e[0]);
    c.w.double(e[1]);
  };
  for (const key of keys) {
    const z = getZ(c, key, false);
    if (z !== null && z.size > 0) {
      reply(key, pop(c, key, max, 1)[0] as Entry);
      return announcePop(c, key, max);
    }
  }
  if (!canBlock(c)) return c.w.nilArray();
  waitToPop(c, keys, timeout, max, 1, (key, popped) => reply(key, popped[0] as Entry));
}

/**
 * BZPOPMIN/BZPOPMAX and BZMPOP wait for a sorted set at one of `keys` to have entries; then up to `count`
 * are popped from the `max` end, handed to `reply` and announced. A timeout answers a null array.
 */
function waitToPop(c: Client, keys: string[], timeout: number, max: boolean, count: number, reply: (key: string, popped: Entry[]) => void): void {
  const dbIndex = c.dbIndex;
  c.engine.block(c, keys, timeout, {
    tryServe: (key) => {
      const db = c.engine.ks.dbs[dbIndex];
      const o = db?.peek(key);
      if (db === undefined || o === null || o === undefined || o.type !== 'zset' || o.v.size === 0) return false;
      readWindow(o, 0, Math.min(count, o.v.size), max);
      const out: Entry[] = [];
      while (out.length < count && o.v.size > 0) {
        const e = (max ? o.v.last() : o.v.first()) as Entry;
        o.v.remove(e[0]);
        out.push(e);
      }
      db.modified(key);
      reply(key, out);
      announcePop(c, key, max);
      announceEmptied(c.engine);
      return true;
    },
    onTimeout: () => c.w.nilArray(),
  });
}

function zmpop(c: Client, a: string[], blocking: boolean): void {
  const { keys, end: max, count } = parseMpopArgs(a, blocking ? 2 : 1, (where) => {
    if (!is(where, 'min') && !is(where, 'max')) fail(E.SYNTAX);
    return is(where, 'max');
  });
  // redis-server reads the timeout last, after the keys, the end and the count.
  const timeout = blocking ? parseTimeout(a[1] as string) : 0;
  const reply = (key: string, entries: Entry[]) => {
    c.w.array(2);
    c.w.bulk(key);
    c.w.array(entries.length);
    for (const [m, s] of entries) {
      c.w.array(2);
      c.w.bulk(m);
      c.w.double(s);
    }
  };
  for (const key of keys) {
    const z = getZ(c, key, false);
    if (z !== null && z.size > 0) {
      if (count > POP_SLICED_FROM) {
        const entry = (e: Entry) => (c.w.array(2), c.w.bulk(e[0]), c.w.double(e[1]));
        return popSliced(c, a, key, z, max, count, (n) => (c.w.array(2), c.w.bulk(key), c.w.array(n)), entry, () => announcePop(c, key, max));
      }
      reply(key, pop(c, key, max, count));
      return announcePop(c, key, max);
    }
  }
  if (!blocking || !canBlock(c)) return c.w.nilArray();
  waitToPop(c, keys, timeout, max, count, reply);
}

function removeRange(c: Client, a: string[], by: 'rank' | 'score' | 'lex'): void {
  const key = a[1] as string;
  const spec: RangeSpec = { by, rev: false, withScores: false, offset: 0, limit: -1 };
  validateBounds(a[2] as string, a[3] as string, spec);
  const z = getZ(c, key, false);
  if (z === null) return c.w.int(0);
  const win = rangeWindow(z, a[2] as string, a[3] as string, spec, listpackAt(c, key));
  if (by === 'score') readScoreRange(zsetAt(c, key), parseScoreRange(a[2] as string, a[3] as string));
  const reply = () => {
    if (win.count > 0) {
      const o = c.db.peekAsIs(key);
      if (o !== null && o.type === 'zset' && o.big) settleRangeDelete(o);
      c.db.modified(key);
    }
    c.w.int(win.count);
  };
  if (win.count < SLICED_WRITE_ARGS) {
    z.removeRanks(win.from, win.count);
    return reply();
  }
  // The run is cut from the skiplist at once, but its members leave the map a step at a time.
  runSlicedWrite(c, z.removeRanksSteps(win.from, win.count), reply, a);
}

function rank(c: Client, a: string[], rev: boolean): void {
  let withScore = false;
  if (a.length === 4) {
    if (!is(a[3], 'withscore')) fail(E.SYNTAX);
    withScore = true;
  } else if (a.length > 4) fail(E.SYNTAX);
  const z = getZ(c, a[1] as string);
  const r = z === null ? -1 : z.rank(a[2] as string);
  if (r < 0) return withScore ? c.w.nilArray() : c.w.nil();
  const value = rev ? (z as ZSet).size - 1 - r : r;
  if (!withScore) return c.w.int(value);
  c.w.array(2);
  c.w.int(value);
  c.w.double((z as ZSet).score(a[2] as string) as number);
}

function zrandmember(c: Client, a: string[]): void {
  const opts = parseRandomArgs(a, 'withscores');
  const z = getZ(c, a[1] as string);
  if (opts === null) {
    if (z === null) return c.w.nil();
    return c.w.bulk(randomOne(z.dict) as string);
  }
  const { count, withOption: withScores } = opts;
  if (z === null) return c.w.array(0);
  const r = entryReply(c, withScores);
  // A listpack's scores are read back: all of them when the count asks for a third of the set or
  // more (redis-server copies or replies the whole set), else those of the picks WITHSCORES replies.
  const o = zsetAt(c, a[1] as string);
  if (count > 0 && count * 3 > z.size) readWindow(o, 0, z.size, false);
  const picked = withScores && !(count > 0 && count * 3 > z.size) && o !== null && !o.big;
  // Members are picked and scores looked up as written (see HRANDFIELD).
  replyRandom(c, z.dict, count, r.header, (m) => {
    const s = z.score(m) as number;
    if (picked) listpackScoreRead(s);
    r.write([m, s]);
  });
}

const ALL_OPTS = { by: true, rev: true, withScores: true, limit: true };

export const zsetCommands = defineGroup('sorted_set', [
  { name: 'zadd', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => zadd(c, a, false) },
  {
    name: 'zincrby',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => zadd(c, ['zadd', a[1] as string, a[2] as string, a[3] as string], true),
  },
  { name: 'zcard', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getZ(c, a[1] as string)?.size ?? 0) },
  {
    name: 'zscore',
    arity: 3,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const o = c.db.get(a[1] as string, 'zset');
      const s = o?.v.score(a[2] as string);
      if (s === undefined) return c.w.nil();
      if (o?.big === false) listpackScoreRead(s);
      c.w.double(s);
    },
  },
  {
    name: 'zmscore',
    arity: -3,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const o = c.db.get(a[1] as string, 'zset');
      const z = o?.v;
      c.w.array(a.length - 2);
      for (let i = 2; i < a.length; i++) {
        const s = z?.score(a[i] as string);
        if (s === undefined) c.w.nil();
        else {
          if (o?.big === false) listpackScoreRead(s);
          c.w.double(s);
        }
      }
    },
  },
  {
    name: 'zcount',
    arity: 4,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const r = parseScoreRange(a[2] as string, a[3] as string);
      const z = getZ(c, a[1] as string);
      readScoreRange(zsetAt(c, a[1] as string), r);
      c.w.int(z?.countInScore(r) ?? 0);
    },
  },
  {
    name: 'zlexcount',
    arity: 4,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const r = parseLexRange(a[2] as string, a[3] as string);
      const z = getZ(c, a[1] as string);
      // A listpack counts what it walks from the first member in range, a skiplist by ranks.
      const span = z === null ? null : listpackAt(c, a[1] as string) ? z.spanInLexByWalk(r, false) : z.spanInLex(r);
      c.w.int(span === null ? 0 : span[1] - span[0] + 1);
    },
  },
  { name: 'zrank', arity: -3, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => rank(c, a, false) },
  { name: 'zrevrank', arity: -3, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => rank(c, a, true) },
  {
    name: 'zrem',
    arity: -3,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const z = getZ(c, key, false);
      if (z === null) return c.w.int(0);
      let n = 0;
      const db = c.db;
      writeEach(c, a, a.length - 2, (j) => {
        if (z.remove(a[j + 2] as string)) n++;
      }, () => {
        if (n > 0) db.modified(key);
        c.w.int(n);
      });
    },
  },
  { name: 'zremrangebyrank', arity: 4, flags: ['write'], keys: [1, 1, 1], handler: (c, a) => removeRange(c, a, 'rank') },
  { name: 'zremrangebyscore', arity: 4, flags: ['write'], keys: [1, 1, 1], handler: (c, a) => removeRange(c, a, 'score') },
  { name: 'zremrangebylex', arity: 4, flags: ['write'], keys: [1, 1, 1], handler: (c, a) => removeRange(c, a, 'lex') },
  { name: 'zrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => rangeCommand(c, a, {}, ALL_OPTS) },
  {
    name: 'zrangestore',
    arity: -5,
    flags: ['write', 'denyoom'],
    keys: [1, 2, 1],
    handler: (c, a) => {
      const spec = parseRangeOptions(a, 5, {}, { by: true, rev: true, withScores: false, limit: true });
      validateBounds(a[3] as string, a[4] as string, spec);
      const z = getZ(c, a[2] as string);
      const win = z === null ? null : rangeWindow(z, a[3] as string, a[4] as string, spec, listpackAt(c, a[2] as string));
      if (win !== null) readRange(zsetAt(c, a[2] as string), a[3] as string, a[4] as string, spec, win, true);
      const out = new ZSet();
      const append = out.appender();
      // A range of a million entries is copied in slices, in ascending order whatever the range's
      // direction (the stored set is the same); the destination is written once, at the end.
      const from = win === null ? 0 : win.rev ? (z as ZSet).size - win.from - win.count : win.from;
      const copy = win === null ? [] : eachWritten((z as ZSet).walk(from, win.count, false), ([m, s]) => append(m, s));
      runSliced(c, copy[Symbol.iterator](), () => c.w.int(storeZ(c, a[1] as string, out, 'zrangestore')), a);
    },
  },
  { name: 'zrevrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => rangeCommand(c, a, { rev: true }, { by: false, rev: false, withScores: true, limit: false }) },
  { name: 'zrangebyscore', arity: -4, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => rangeCommand(c, a, { by: 'score' }, { by: false, rev: false, withScores: true, limit: true }) },
  {
    name: 'zrevrangebyscore',
    arity: -4,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => rangeCommand(c, a, { by: 'score', rev: true }, { by: false, rev: false, withScores: true, limit: true }),
  },
  { name: 'zrangebylex', arity: -4, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => rangeCommand(c, a, { by: 'lex' }, { by: false, rev: false, withScores: false, limit: true }) },
  {
    name: 'zrevrangebylex',
    arity: -4,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => rangeCommand(c, a, { by: 'lex', rev: true }, { by: false, rev: false, withScores: false, limit: true }),
  },
  { name: 'zpopmin', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], handler: (c, a) => zpop(c, a, false) },
  { name: 'zpopmax', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], handler: (c, a) => zpop(c, a, true) },
  { name: 'bzpopmin', arity: -3, flags: ['write', 'fast', 'blocking'], keys: [1, -2, 1], handler: (c, a) => bzpop(c, a, false) },
  { name: 'bzpopmax', arity: -3, flags: ['write', 'fast', 'blocking'], keys: [1, -2, 1], handler: (c, a) => bzpop(c, a, true) },
  { name: 'zmpop', arity: -4, flags: ['write'], keysOf: (a) => numkeysPositions(a, 1), handler: (c, a) => zmpop(c, a, false) },
  { name: 'bzmpop', arity: -5, flags: ['write', 'blocking'], keysOf: (a) => numkeysPositions(a, 2), handler: (c, a) => zmpop(c, a, true) },
  { name: 'zrandmember', arity: -2, flags: ['readonly'], keys: [1, 1, 1], handler: zrandmember },
  ...(['union', 'inter', 'diff'] as const).flatMap((op) => [
    {
      name: `z${op}`,
      arity: -3,
      flags: ['readonly'] as const,
      keysOf: (a: string[]) => numkeysPositions(a, 1),
      handler: (c: Client, a: string[]) => {
        const p = parseSetOp(c, a, op, 1, `z${op}`, true);
        const z = new ZSet();
        runSliced(c, computedAndWritten(c, p, z), () => undefined);
      },
    },
    {
      name: `z${op}store`,
      arity: -4,
      flags: ['write', 'denyoom'] as const,
      // zunionInterDiffStoreGetKeys: a bad numkeys gives no key at all, the destination neither.
      keysOf: (a: string[]) => {
        const sources = numkeysPositions(a, 2);
        return sources.length === 0 ? [] : [1, ...sources];
      },
      handler: (c: Client, a: string[]) => {
        const p = parseSetOp(c, a, op, 2, `z${op}store`, false);
        const z = new ZSet();
        runSliced(c, setOpSteps(p, z), () => c.w.int(storeZ(c, a[1] as string, z, `z${op}store`)), a);
      },
    },
  ]),
  {
    name: 'zintercard',
    arity: -3,
    flags: ['readonly'],
    keysOf: (a) => numkeysPositions(a, 1),
    handler: (c, a) => {
      const p = parseSetOp(c, a, 'inter', 1, 'zintercard', false, true);
      const count = { n: 0 };
      runSliced(c, interCardSteps(p.sources, p.limit, count), () => c.w.int(count.n));
    },
  },
  {
    name: 'zscan',
    arity: -3,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      parseCursor(a[2] as string); // before the key's type, as redis-server
      const o = c.db.get(a[1] as string, 'zset');
      scanCollection(c, a, o, () => [...(o as ZSetObj).v.entries()].map(([m, s]) => [m, formatDouble(s)]), (m) => [m, formatDouble((o as ZSetObj).v.score(m) as number)]);
    },
  },
]);

export function numkeysPositions(a: string[], at: number): number[] {
  // As 7.0's getkeys functions: numkeys read with atoi, and no key at all when it asks for more than
  // there are (ACL then checks no key, and the command itself answers the numkeys error).
  const n = Number.parseInt(a[at] ?? '', 10) || 0;
  if (n < 1 || n > a.length - at - 1) return [];
  return Array.from({ length: n }, (_, i) => at + 1 + i);
}
