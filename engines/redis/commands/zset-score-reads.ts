// Which scores of a listpack sorted set redis-server 7.0 reads back. A listpack keeps a non-integral
// score as its "%.17g" text and every read of it (zzlGetScore, zzlStrtod) is a strtod, which leaves
// ERANGE in errno for a subnormal score; a later SORT then refuses a set's numbers (fuzz seed 103357).
// Only whether some read met a subnormal matters, so each command names the ranks it reads and the
// subnormal scores are found by their two score spans around zero (a skiplist search, not a walk).
import type { RObj, ZSetObj } from '../db/objects.ts';
import { cErrno, listpackScoreRead } from '../num.ts';
import { scoreGteMin, scoreLteMax, type ScoreRange, type ZSet } from '../types/zset.ts';

const MIN_NORMAL = 2.2250738585072014e-308;
/** The scores below a normal double's magnitude: the subnormals, with the zeros between them. */
const TINY: ScoreRange = { min: -MIN_NORMAL, max: MIN_NORMAL, minEx: true, maxEx: true };
const ZERO: ScoreRange = { min: 0, max: 0, minEx: false, maxEx: false };

/** Whether a score at ascending ranks [from, to] of z is subnormal; when one is, strtod's ERANGE. */
function readOf(z: ZSet, from: number, to: number): void {
  const lo = Math.max(from, 0);
  const hi = Math.min(to, z.size - 1);
  if (lo > hi || cErrno.range) return;
  const tiny = z.spanInScore(TINY);
  if (tiny === null) return;
  const a = Math.max(lo, tiny[0]);
  const b = Math.min(hi, tiny[1]);
  if (a > b) return;
  const zeros = z.spanInScore(ZERO);
  if (zeros === null || a < zeros[0] || b > zeros[1]) cErrno.range = true;
}

/** redis-server reads the scores at ascending ranks [from, to] of o (nothing when o is a skiplist). */
export function readRanks(o: ZSetObj | null | undefined, from: number, to: number): void {
  if (o && !o.big) readOf(o.v, from, to);
}

/** zsetConvert of a listpack into a skiplist (o.big is already set): every score is read. */
export function readConverted(z: ZSet): void {
  readOf(z, 0, z.size - 1);
}

export function readAll(o: ZSetObj | null | undefined): void {
  if (o) readRanks(o, 0, o.v.size - 1);
}

/** A window of `count` entries from rank `from` in the walking direction, as ascending ranks. */
export function readWindow(o: ZSetObj | null | undefined, from: number, count: number, rev: boolean): void {
  if (!o || count <= 0) return;
  const first = rev ? o.v.size - from - count : from;
  readRanks(o, first, first + count - 1);
}

/** The first ascending rank whose score is past r's min, or the size when none is. */
function firstRankFrom(z: ZSet, r: ScoreRange): number {
  const span = z.spanInScore({ min: r.min, minEx: r.minEx, max: Infinity, maxEx: false });
  return span === null ? z.size : span[0];
}

/** The last ascending rank whose score is within r's max, or -1. */
function lastRankUpTo(z: ZSet, r: ScoreRange): number {
  const span = z.spanInScore({ min: -Infinity, minEx: false, max: r.max, maxEx: r.maxEx });
  return span === null ? -1 : span[1];
}

/**
 * A score range walked as genericZrangebyscoreCommand, ZCOUNT and ZREMRANGEBYSCORE walk a listpack:
 * zzlIsInRange reads the last score then the first; zzlFirstInRange (zzlLastInRange for `rev`) reads
 * from the head (tail) up to the first entry past the range's near end; then, `offset` entries skipped
 * unread (a negative offset skips to the end), up to `limit` entries are read, the first one past the
 * far end included.
 */
export function readScoreRange(o: ZSetObj | null | undefined, r: ScoreRange, rev = false, offset = 0, limit = -1): void {
  if (!o || o.big || cErrno.range) return;
  const z = o.v;
  const n = z.size;
  if (r.min > r.max || (r.min === r.max && (r.minEx || r.maxEx)) || n === 0) return;
  const scoreAt = (rank: number): number => (rank === 0 ? (z.first() as [string, number])[1] : rank === n - 1 ? (z.last() as [string, number])[1] : (z.walk(rank, 1, false).next().value as [string, number])[1]);
  readRanks(o, n - 1, n - 1);
  if (!scoreGteMin(scoreAt(n - 1), r)) return;
  readRanks(o, 0, 0);
  if (!scoreLteMax(scoreAt(0), r)) return;
  if (!rev) {
    const k = firstRankFrom(z, r);
    readRanks(o, 0, k);
    if (k >= n || !scoreLteMax(scoreAt(k), r)) return;
    if (offset < 0 || limit === 0) return;
    const p = k + offset;
    let last = Math.min(lastRankUpTo(z, r) + 1, n - 1);
    if (limit > 0) last = Math.min(last, p + limit - 1);
    readRanks(o, p, last);
    return;
  }
  const k = lastRankUpTo(z, r);
  readRanks(o, Math.max(k, 0), n - 1);
  if (k < 0 || !scoreGteMin(scoreAt(k), r)) return;
  if (offset < 0 || limit === 0) return;
  const p = k - offset;
  let first = Math.max(firstRankFrom(z, r) - 1, 0);
  if (limit > 0) first = Math.max(first, p - limit + 1);
  readRanks(o, first, p);
}

/**
 * The reads of zsetAdd, member by member, for ZADD, ZINCRBY and GEOADD: zzlFind reads the score of a
 * member it finds; a new member that a listpack cannot take converts it first (zsetConvert reads every
 * score); otherwise zzlInsert reads from the head up to the entry the new one goes before. Keeps
 * whether the set is still a listpack, as redis-server converts in the middle of a command.
 */
export class ListpackAdds {
  private listpack: boolean;

  /** `created`: the key was made by this command, as a listpack unless the first member is too long. */
  constructor(
    private readonly o: ZSetObj,
    private readonly limits: { zsetEntries: number; zsetValue: number },
    created: boolean,
    firstMember: string | undefined,
  ) {
    this.listpack = created ? limits.zsetEntries > 0 && (firstMember ?? '').length <= limits.zsetValue : !o.big;
  }

  /** Before the member is looked at: `cur` is its score, if it is in the set. */
  found(cur: number | undefined): void {
    if (this.listpack && cur !== undefined) listpackScoreRead(cur);
  }

  /** Before a new member goes in. */
  adding(member: string): void {
    if (!this.listpack) return;
    if (this.o.v.size + 1 > this.limits.zsetEntries || member.length > this.limits.zsetValue) {
      this.listpack = false;
      readOf(this.o.v, 0, this.o.v.size - 1);
      zeroNegativeZeros(this.o);
    }
  }

  /** After a member went in (new, or moved by a changed score: zzlDelete then zzlInsert). */
  placed(member: string): void {
    if (!this.listpack || cErrno.range) return;
    const r = this.o.v.rank(member);
    readOf(this.o.v, 0, r - 1);
    readOf(this.o.v, r + 1, r + 1);
  }
}

/**
 * zsetConvert reads each score back from the listpack, where an integral score is an integer: a -0 a
 * command put there before the insert that converted the set is 0 in the skiplist (seed 108858:
 * `ZADD z -0 a 0 <70 bytes>` keeps -0 for a only when a long member comes first).
 */
function zeroNegativeZeros(o: ZSetObj): void {
  const zeros: string[] = [];
  for (const [m, s] of o.v.dict) if (Object.is(s, -0)) zeros.push(m);
  for (const m of zeros) {
    o.v.remove(m);
    o.v.add(m, 0);
  }
}

/** zuiLength: a missing key is an empty source. */
function lengthOf(o: RObj | null): number {
  return o === null ? 0 : o.type === 'zset' || o.type === 'set' ? o.v.size : 0;
}

function listpackOf(o: RObj | null): ZSetObj | null {
  return o !== null && o.type === 'zset' && !o.big ? o : null;
}

/** zuiNext's order: a sorted set from its last entry back (so a result skiplist is built in order). */
function* membersOf(o: RObj): Generator<string> {
  if (o.type === 'zset') for (const [m] of o.v.walk(0, o.v.size, true)) yield m;
  else if (o.type === 'set') yield* o.v;
}

/** zuiFind: a listpack reads the score of a member it finds. */
function find(o: RObj | null, m: string): boolean {
  if (o === null) return false;
  if (o.type === 'set') return o.v.has(m);
  if (o.type !== 'zset') return false;
  const s = o.v.score(m);
  if (s !== undefined && !o.big) listpackScoreRead(s);
  return s !== undefined;
}

/**
 * The reads of zunionInterDiffGenericCommand over its sources (null for a missing key): a union walks
 * every source; an intersection (ZINTERCARD: up to `limit` members found) walks the smallest and finds
 * each member in the others until one lacks it; a difference walks the first and finds its members in
 * the others (algorithm 1) or walks them all until nothing is left (algorithm 2), as
 * zsetChooseDiffAlgorithm picks.
 */
export function readSetOp(op: 'union' | 'inter' | 'diff', sources: (RObj | null)[], limit = 0): void {
  if (cErrno.range) return;
  // Only a listpack's scores are read as text: with none among the sources no read can leave ERANGE, and the
  // walk below (the whole of a million-member input, in one turn) is skipped.
  if (!sources.some((o) => listpackOf(o) !== null)) return;
  if (op === 'union') {
    for (const o of sources) readAll(listpackOf(o));
    return;
  }
  if (op === 'inter') {
    const order = [...sources].sort((x, y) => lengthOf(x) - lengthOf(y));
    const first = order[0] ?? null;
    if (first === null || lengthOf(first) === 0) return;
    const lp = listpackOf(first);
    let found = 0;
    for (const m of membersOf(first)) {
      if (lp !== null) listpackScoreRead(lp.v.score(m) as number);
      let all = true;
      for (let j = 1; j < order.length && all; j++) {
        const other = order[j] ?? null;
        if (other !== first && !find(other, m)) all = false;
      }
      if (all && limit > 0 && ++found >= limit) return;
      if (cErrno.range) return;
    }
    return;
  }
  const first = sources[0] ?? null;
  if (first === null || lengthOf(first) === 0) return;
  if (sources.some((o, j) => j > 0 && o === first)) return;
  const one = Math.floor((lengthOf(first) * sources.length) / 2);
  const two = sources.reduce((t, o) => t + lengthOf(o), 0);
  if (one <= two) {
    readAll(listpackOf(first));
    for (const m of membersOf(first)) {
      for (let j = 1; j < sources.length; j++) if (lengthOf(sources[j] ?? null) > 0 && find(sources[j] ?? null, m)) break;
      if (cErrno.range) return;
    }
    return;
  }
  const left = new Set(membersOf(first));
  readAll(listpackOf(first));
  for (let j = 1; j < sources.length && left.size > 0; j++) {
    const o = sources[j] ?? null;
    if (o === null || lengthOf(o) === 0) continue;
    const lp = listpackOf(o);
    for (const m of membersOf(o)) {
      if (lp !== null) listpackScoreRead(lp.v.score(m) as number);
      if (left.delete(m) && left.size === 0) break;
    }
  }
}
