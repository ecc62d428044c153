// Sorted set: a skiplist with spans (O(log n) insert, delete and rank) plus a member → score map.
// Order is score, then member bytes; members are latin1 strings so `<` compares bytes.
import { SplitMap } from '../db/split-table.ts';
import { runSteps } from '../../slices.ts';

const MAX_LEVEL = 32;
const P = 0.25;

class Node {
  readonly fwd: (Node | null)[];
  readonly span: number[];
  backward: Node | null = null;
  constructor(
    readonly member: string,
    public score: number,
    level: number,
  ) {
    this.fwd = new Array<Node | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

/**
 * Scratch arrays for insert/unlink: the engine is single-threaded, so one pair serves every set. UPDATE is
 * emptied after each use (forgetUpdate): a node left in it kept its whole skiplist alive after the set was
 * deleted (0.3-1 GB of sets of a million members in the bench's process, marked by every major GC after).
 */
const UPDATE = new Array<Node | undefined>(MAX_LEVEL);
const RANK = new Array<number>(MAX_LEVEL).fill(0);
/** Members removeRanksSteps takes out of the member map per step (slice() reads the clock every 64 steps). */
const REMOVE_STEP = 16;

function forgetUpdate(levels: number): void {
  for (let i = 0; i < levels; i++) UPDATE[i] = undefined;
}

function randomLevel(): number {
  let l = 1;
  while (l < MAX_LEVEL && Math.random() < P) l++;
  return l;
}

export interface ScoreRange {
  min: number;
  max: number;
  minEx: boolean;
  maxEx: boolean;
}

/** Lex bounds: `null` for - / +; otherwise a value and whether it is exclusive. */
export interface LexRange {
  min: string | null;
  max: string | null;
  minEx: boolean;
  maxEx: boolean;
  minInf: -1 | 0 | 1; // -1 = '-', 1 = '+', 0 = a real value
  maxInf: -1 | 0 | 1;
}

export function scoreGteMin(s: number, r: ScoreRange): boolean {
  return r.minEx ? s > r.min : s >= r.min;
}
export function scoreLteMax(s: number, r: ScoreRange): boolean {
  return r.maxEx ? s < r.max : s <= r.max;
}
export function lexGteMin(m: string, r: LexRange): boolean {
  if (r.minInf === -1) return true;
  if (r.minInf === 1) return false;
  const v = r.min as string;
  return r.minEx ? m > v : m >= v;
}
export function lexLteMax(m: string, r: LexRange): boolean {
  if (r.maxInf === 1) return true;
  if (r.maxInf === -1) return false;
  const v = r.max as string;
  return r.maxEx ? m < v : m <= v;
}

/** Redis's sdscmplex of two lex bounds: '-' below everything, '+' above. */
function lexBoundCmp(a: string | null, aInf: number, b: string | null, bInf: number): number {
  if (aInf !== 0 && aInf === bInf) return 0;
  if (aInf === -1 || bInf === 1) return -1;
  if (aInf === 1 || bInf === -1) return 1;
  return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
}

export class ZSet {
  dict = new SplitMap<number>();
  private readonly header = new Node('', 0, MAX_LEVEL);
  private tail: Node | null = null;
  private level = 1;

  get size(): number {
    return this.dict.size;
  }

  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  /** Inserts or moves `member` to `score`. */
  add(member: string, score: number): void {
    const old = this.dict.get(member);
    if (old !== undefined) {
      if (old === score) return;
      this.unlink(member, old);
    }
    this.insert(member, score);
    this.dict.set(member, score);
  }

  remove(member: string): boolean {
    const old = this.dict.get(member);
    if (old === undefined) return false;
    this.unlink(member, old);
    this.dict.delete(member);
    return true;
  }

  private insert(member: string, score: number): void {
    const update = UPDATE;
    const rank = RANK;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : (rank[i + 1] as number);
      let f = x.fwd[i] ?? null;
      while (f !== null && (f.score < score || (f.score === score && f.member < member))) {
        rank[i] = (rank[i] as number) + (x.span[i] as number);
        x = f;
        f = x.fwd[i] ?? null;
      }
      update[i] = x;
    }
    const lvl = randomLevel();
    if (lvl > this.level) {
      for (let i = this.level; i < lvl; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.size;
      }
      this.level = lvl;
    }
    const n = new Node(member, score, lvl);
    for (let i = 0; i < lvl; i++) {
      const u = update[i] as Node;
      n.fwd[i] = u.fwd[i] ?? null;
      u.fwd[i] = n;
      n.span[i] = (u.span[i] as number) - ((rank[0] as number) - (rank[i] as number));
      u.span[i] = (rank[0] as number) - (rank[i] as number) + 1;
    }
    for (let i = lvl; i < this.level; i++) (update[i] as Node).span[i] = ((update[i] as Node).span[i] as number) + 1;
    n.backward = update[0] === this.header ? null : (update[0] as Node);
    const next = n.fwd[0] ?? null;
    if (next) next.backward = n;
    else this.tail = n;
    forgetUpdate(this.level);
  }

  private unlink(member: string, score: number): void {
    const update = UPDATE;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd[i] ?? null;
      while (f !== null && (f.score < score || (f.score === score && f.member < member))) {
        x = f;
        f = x.fwd[i] ?? null;
      }
      update[i] = x;
    }
    const n = x.fwd[0] ?? null;
    if (n === null || n.member !== member) {
      forgetUpdate(this.level);
      return;
    }
    for (let i = 0; i < this.level; i++) {
      const u = update[i] as Node;
      if (u.fwd[i] === n) {
        u.span[i] = (u.span[i] as number) + (n.span[i] as number) - 1;
        u.fwd[i] = n.fwd[i] ?? null;
      } else {
        u.span[i] = (u.span[i] as number) - 1;
      }
    }
    const next = n.fwd[0] ?? null;
    if (next) next.backward = n.backward;
    else this.tail = n.backward;
    forgetUpdate(this.level);
    while (this.level > 1 && this.header.fwd[this.level - 1] === null) this.level--;
  }

  /**
   * Removes ascending ranks [from, from + count) at once: the run of nodes is cut out of every level in
   * O(log n) and the member map pays min(count, survivors) steps, where unlinking node by node cost
   * seconds over a million (ZREMRANGEBYSCORE of a whole set held every node of the process).
   */
  removeRanks(from: number, count: number): void {
    runSteps(this.removeRanksSteps(from, count));
  }

  /**
   * removeRanks in steps of REMOVE_STEP members (for a caller that spreads them over slices): half a million
   * deletes from the member map held every node ~0.5 s in one turn. The map loses the cut members first, the skiplist its run last (O(log n)):
   * between steps the set is half changed, so its node (and replicas sharing it) must be held until the
   * steps end (runSlicedWrite).
   */
  *removeRanksSteps(from: number, count: number): Generator<void> {
    if (count <= 0) return;
    if (from === 0 && count >= this.size) {
      this.clear();
      return;
    }
    let n = 0;
    if (this.size - count < count) {
      // Fewer survivors: a new map of them replaces the old one (the old goes to the collector whole).
      const kept = new SplitMap<number>();
      for (const [m, sc] of this.survivors(from, count)) {
        kept.set(m, sc);
        if (++n % REMOVE_STEP === 0) yield;
      }
      this.unlinkRun(from, count);
      this.dict = kept;
      return;
    }
    for (const m of this.membersAt(from, count)) {
      this.dict.delete(m);
      if (++n % REMOVE_STEP === 0) yield;
    }
    this.unlinkRun(from, count);
  }

  /** Members of ascending ranks [from, from + count), walked along the bottom level. */
  private *membersAt(from: number, count: number): Generator<string> {
    let x: Node | null = this.nodeAt(from);
    for (let i = 0; x !== null && i < count; x = x.fwd[0] ?? null, i++) yield x.member;
  }

  /** Entries outside ascending ranks [from, from + count). */
  private *survivors(from: number, count: number): Generator<[string, number]> {
    let i = 0;
    for (let x = this.header.fwd[0] ?? null; x !== null && i < from; x = x.fwd[0] ?? null, i++) yield [x.member, x.score];
    for (let x = this.nodeAt(from + count); x !== null; x = x.fwd[0] ?? null) yield [x.member, x.score];
  }

  /** Cuts the nodes of ascending ranks [from, from + count) out of every level; the member map is the caller's. */
  private unlinkRun(from: number, count: number): void {
    const before = UPDATE;
    const beforeRank = RANK;
    const last = new Array<Node>(this.level);
    const lastRank = new Array<number>(this.level);
    this.precedersOf(from, before, beforeRank);
    this.precedersOf(from + count, last, lastRank);
    const next = (last[0] as Node).fwd[0] ?? null;
    for (let i = 0; i < this.level; i++) {
      const b = before[i] as Node;
      const l = last[i] as Node;
      if (l === b) {
        b.span[i] = (b.span[i] as number) - count;
        continue;
      }
      // Past `b` on this level, `l` is the last node before the cut's end: the link jumps over the cut.
      b.span[i] = (lastRank[i] as number) - (beforeRank[i] as number) + (l.span[i] as number) - count;
      b.fwd[i] = l.fwd[i] ?? null;
    }
    const prev = before[0] === this.header ? null : (before[0] as Node);
    if (next !== null) next.backward = prev;
    else this.tail = prev;
    forgetUpdate(this.level);
    while (this.level > 1 && this.header.fwd[this.level - 1] === null) this.level--;
  }

  /** For each level, the last node whose 1-based rank is at most `rank`, and that rank. */
  private precedersOf(rank: number, nodes: (Node | undefined)[], ranks: number[]): void {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd[i] ?? null;
      while (f !== null && traversed + (x.span[i] as number) <= rank) {
        traversed += x.span[i] as number;
        x = f;
        f = x.fwd[i] ?? null;
      }
      nodes[i] = x;
      ranks[i] = traversed;
    }
  }

  /**
   * Fills an empty set from entries given in ascending order, each linked after the last without a
   * search (a copy of a million-entry range, as ZRANGESTORE makes). Nothing else may change the set
   * until the filling is done.
   */
  appender(): (member: string, score: number) => void {
    if (this.size !== 0) throw new Error('appender needs an empty set');
    const lasts = new Array<Node>(MAX_LEVEL).fill(this.header);
    const lastRanks = new Array<number>(MAX_LEVEL).fill(0);
    return (member, score) => {
      const rank = this.size + 1;
      const lvl = randomLevel();
      if (lvl > this.level) this.level = lvl;
      const n = new Node(member, score, lvl);
      for (let i = 0; i < lvl; i++) {
        const l = lasts[i] as Node;
        l.fwd[i] = n;
        l.span[i] = rank - (lastRanks[i] as number);
        lasts[i] = n;
        lastRanks[i] = rank;
      }
      // Above the new node, a level's last link runs to the end, which is one further now.
      for (let i = lvl; i < this.level; i++) (lasts[i] as Node).span[i] = rank - (lastRanks[i] as number);
      n.backward = this.tail;
      this.tail = n;
      this.dict.set(member, score);
    };
  }

  /** Empties the set; the nodes are left to the garbage collector whole. */
  private clear(): void {
    this.dict.clear();
    this.header.fwd.fill(null);
    this.header.span.fill(0);
    this.tail = null;
    this.level = 1;
  }

  /** 0-based rank in ascending order, or -1. */
  rank(member: string): number {
    const score = this.dict.get(member);
    if (score === undefined) return -1;
    let r = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd[i] ?? null;
      while (f !== null && (f.score < score || (f.score === score && f.member <= member))) {
        r += x.span[i] as number;
        x = f;
        f = x.fwd[i] ?? null;
      }
      if (x !== this.header && x.member === member) return r - 1;
    }
    return -1;
  }

  /** Node at 0-based rank, or null. */
  private nodeAt(rank: number): Node | null {
    if (rank < 0 || rank >= this.size) return null;
    let traversed = 0;
    let x = this.header;
    const target = rank + 1;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd[i] ?? null;
      while (f !== null && traversed + (x.span[i] as number) <= target) {
        traversed += x.span[i] as number;
        x = f;
        f = x.fwd[i] ?? null;
      }
      if (traversed === target) return x;
    }
    return null;
  }

  /**
   * `count` entries from rank `from` (counted in the walking direction), produced as they are read: a
   * reply of a million entries is written in slices instead of gathered first.
   */
  *walk(from: number, count: number, rev: boolean): Generator<[string, number]> {
    let n = count > 0 ? this.nodeAt(rev ? this.size - 1 - from : from) : null;
    for (let i = 0; i < count && n !== null; i++) {
      yield [n.member, n.score];
      n = rev ? n.backward : (n.fwd[0] ?? null);
    }
  }

  /** Ascending ranks [first, last] of the entries with scores in `r`, or null when there are none. */
  spanInScore(r: ScoreRange): [number, number] | null {
    const first = this.firstInScore(r);
    const last = first === null ? null : this.lastInScore(r);
    return last === null ? null : this.spanOf(first as Node, last);
  }

  /** As spanInScore for a lex range. */
  spanInLex(r: LexRange): [number, number] | null {
    const first = this.firstInLex(r);
    const last = first === null ? null : this.lastInLex(r);
    return last === null ? null : this.spanOf(first as Node, last);
  }

  /**
   * A lex range as redis-server finds it in a listpack (its small sorted sets): from the head (`rev`:
   * the tail) to the first member inside the range, then on while members stay inside it. Members of
   * different scores are not in lex order, and then this differs from the skiplist's descent.
   */
  spanInLexByWalk(r: LexRange, rev: boolean): [number, number] | null {
    const head = this.header.fwd[0] ?? null;
    const tail = this.tail;
    const cmp = lexBoundCmp(r.min, r.minInf, r.max, r.maxInf);
    if (cmp > 0 || (cmp === 0 && (r.minEx || r.maxEx))) return null;
    if (head === null || tail === null || !lexGteMin(tail.member, r) || !lexLteMax(head.member, r)) return null;
    if (!rev) {
      let i = 0;
      let n: Node | null = head;
      while (n !== null && !lexGteMin(n.member, r)) {
        n = n.fwd[0] ?? null;
        i++;
      }
      if (n === null || !lexLteMax(n.member, r)) return null;
      let j = i;
      for (let m = n.fwd[0] ?? null; m !== null && lexLteMax(m.member, r); m = m.fwd[0] ?? null) j++;
      return [i, j];
    }
    let i = this.size - 1;
    let n: Node | null = tail;
    while (n !== null && !lexLteMax(n.member, r)) {
      n = n.backward;
      i--;
    }
    if (n === null || !lexGteMin(n.member, r)) return null;
    let j = i;
    for (let m = n.backward; m !== null && lexGteMin(m.member, r); m = m.backward) j--;
    return [j, i];
  }

  /**
   * A listpack's lex range with LIMIT, as genericZrangebylexCommand walks it: from the first entry in
   * range (the last, reversed), `offset` entries are skipped unchecked, then entries are taken while
   * they are within the far bound. With members out of lex order (scores differ) the skipped ones may
   * leave the range and the taken ones come back into it (seed 110580). `from` counts from the walk's end.
   */
  lexWindowByWalk(r: LexRange, rev: boolean, offset: number, limit: number): { from: number; count: number } | null {
    const span = this.spanInLexByWalk(r, rev);
    if (span === null) return null;
    const step = rev ? -1 : 1;
    let rank = (rev ? span[1] : span[0]) + step * offset;
    if (rank < 0 || rank >= this.size) return null;
    const from = rev ? this.size - 1 - rank : rank;
    let count = 0;
    for (let n = this.nodeAt(rank); n !== null && count !== limit; n = rev ? n.backward : (n.fwd[0] ?? null), rank += step) {
      if (rev ? !lexGteMin(n.member, r) : !lexLteMax(n.member, r)) break;
      count++;
    }
    return count === 0 ? null : { from, count };
  }

  private spanOf(first: Node, last: Node): [number, number] | null {
    const lo = this.rank(first.member);
    const hi = this.rank(last.member);
    return hi >= lo ? [lo, hi] : null;
  }

  /** First node with score in range, in ascending order. */
  private firstInScore(r: ScoreRange): Node | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd[i] ?? null;
      while (f !== null && !scoreGteMin(f.score, r)) {
        x = f;
        f = x.fwd[i] ?? null;
      }
    }
    const n = x.fwd[0] ?? null;
    return n !== null && scoreLteMax(n.score, r) ? n : null;
  }

  private lastInScore(r: ScoreRange): Node | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd[i] ?? null;
      while (f !== null && scoreLteMax(f.score, r)) {
        x = f;
        f = x.fwd[i] ?? null;
      }
    }
    return x !== this.header && scoreGteMin(x.score, r) ? x : null;
  }

  private firstInLex(r: LexRange): Node | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd[i] ?? null;
      while (f !== null && !lexGteMin(f.member, r)) {
        x = f;
        f = x.fwd[i] ?? null;
      }
    }
    const n = x.fwd[0] ?? null;
    return n !== null && lexLteMax(n.member, r) ? n : null;
  }

  private lastInLex(r: LexRange): Node | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.fwd[i] ?? null;
      while (f !== null && lexLteMax(f.member, r)) {
        x = f;
        f = x.fwd[i] ?? null;
      }
    }
    return x !== this.header && lexGteMin(x.member, r) ? x : null;
  }

  rangeByScore(r: ScoreRange, rev: boolean, offset: number, limit: number): [string, number][] {
    const out: [string, number][] = [];
    let n = rev ? this.lastInScore(r) : this.firstInScore(r);
    while (n !== null && offset > 0) {
      n = rev ? n.backward : (n.fwd[0] ?? null);
      offset--;
    }
    while (n !== null && (limit < 0 || out.length < limit)) {
      if (rev ? !scoreGteMin(n.score, r) : !scoreLteMax(n.score, r)) break;
      out.push([n.member, n.score]);
      n = rev ? n.backward : (n.fwd[0] ?? null);
    }
    return out;
  }

  countInScore(r: ScoreRange): number {
    const span = this.spanInScore(r);
    return span === null ? 0 : span[1] - span[0] + 1;
  }

  first(): [string, number] | null {
    const n = this.header.fwd[0] ?? null;
    return n ? [n.member, n.score] : null;
  }

  last(): [string, number] | null {
    return this.tail ? [this.tail.member, this.tail.score] : null;
  }

  *entries(): IterableIterator<[string, number]> {
    let n = this.header.fwd[0] ?? null;
    while (n !== null) {
      yield [n.member, n.score];
      n = n.fwd[0] ?? null;
    }
  }
}
