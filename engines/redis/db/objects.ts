// The value kinds a key can hold, and how OBJECT ENCODING and MEMORY USAGE see them (the per-key
// access metadata lives in KeyDict).
import type { Deque } from '../types/deque.ts';
import { Quicklist, type QuicklistOptions } from '../types/quicklist.ts';
import { ZSet } from '../types/zset.ts';
import type { Stream } from '../types/stream.ts';
import { limits } from '../limits.ts';
import { SplitMap, SplitSet } from './split-table.ts';

interface Sized {
  /** Memory estimate in bytes as last settled (a bare string in the key table needs none: it is its length). */
  mem: number;
}
/** A hashtable-encoded collection's dict: its slot count and the entry count it was settled at (dict-size.ts). */
interface DictSized {
  htSize?: number;
  htUsed?: number;
  /** The table a rehash in progress moves from (counted by MEMORY USAGE too), and the steps our estimate gives it. */
  htOld?: number;
  htLeft?: number;
  /** Set when this command converted it: the entries the listpack or intset held then, and whether the conversion presized the dict. */
  htBuilt?: { from: number; presized: boolean };
}

export interface StrObj extends Sized {
  type: 'string';
  v: string;
  /**
   * How Redis would have encoded the value: 'auto' (int when it looks like one, else embstr/raw by
   * length, as after SET), 'str' (never int, as after INCRBYFLOAT), 'raw' (modified in place).
   */
  enc: StrEncoding;
  /**
   * The number of the EXEC (Engine.execArguments) whose queued command gave this value: what SET
   * and its kin store is the argument object itself, which the queued command holds until EXEC
   * ends, so OBJECT REFCOUNT counts 2 meanwhile. Dropped when the value changes in place.
   */
  held?: number;
  /** The sds allocation, header size and capacity of a value grown in place (sds-growth.ts); read only while enc is 'raw'. */
  sdsAlloc?: number;
  sdsHdr?: number;
  sdsCap?: number;
}
export interface ListObj extends Sized {
  type: 'list';
  /** Its elements and quicklist nodes; the list-max-listpack-size and list-compress-depth it was made with (redis-server keeps them per quicklist). */
  v: Quicklist;
}
export interface HashObj extends Sized, DictSized {
  type: 'hash';
  v: SplitMap<string>;
  /** Conversions to the big encoding are one-way, as in Redis. */
  big: boolean;
}
export interface SetObj extends Sized, DictSized {
  type: 'set';
  v: SplitSet;
  big: boolean;
}
export interface ZSetObj extends Sized, DictSized {
  type: 'zset';
  v: ZSet;
  big: boolean;
}
export interface StreamObj extends Sized {
  type: 'stream';
  v: Stream;
}
export type RObj = StrObj | ListObj | HashObj | SetObj | ZSetObj | StreamObj;
export type RType = RObj['type'];

export type StrEncoding = 'auto' | 'str' | 'raw';
export const newString = (v: string, enc: StrEncoding = 'auto'): StrObj => ({ type: 'string', v, enc, mem: 0 });
export const newList = (o?: Readonly<QuicklistOptions>): ListObj => ({ type: 'list', v: new Quicklist(o), mem: 0 });
export const newHash = (): HashObj => ({ type: 'hash', v: new SplitMap(), big: false, mem: 0 });
export const newSet = (): SetObj => ({ type: 'set', v: new SplitSet(), big: false, mem: 0 });
export const newZSet = (): ZSetObj => ({ type: 'zset', v: new ZSet(), big: false, mem: 0 });

const INT_RE = /^(?:0|-?[1-9][0-9]{0,18})$/;
/** string2ll's test: a canonical integer that fits an int64 (9223372036854775808 does not: a set holding it is no intset). */
const isInt64 = (s: string): boolean => INT_RE.test(s) && (s.length < 19 || (s[0] === '-' ? s.length < 20 || s <= '-9223372036854775808' : s <= '9223372036854775807'));

/** What OBJECT ENCODING reports, following Redis 7.0's thresholds. */
export function encodingOf(o: RObj): string {
  switch (o.type) {
    case 'string':
      if (o.enc === 'auto' && o.v.length <= 20 && isInt64(o.v)) {
        const n = BigInt(o.v);
        if (n >= -(2n ** 63n) && n < 2n ** 63n) return 'int';
      }
      return o.enc !== 'raw' && o.v.length <= limits.EMBSTR_MAX ? 'embstr' : 'raw';
    case 'list':
      return 'quicklist';
    case 'hash':
      return o.big ? 'hashtable' : 'listpack';
    case 'set':
      return o.big ? 'hashtable' : 'intset';
    case 'zset':
      return o.big ? 'skiplist' : 'listpack';
    case 'stream':
      return 'stream';
  }
}

/** The size limits of the compact encodings (hash-max-listpack-entries and friends). */
export interface EncodingThresholds {
  hashEntries: number;
  hashValue: number;
  zsetEntries: number;
  zsetValue: number;
  setIntsetEntries: number;
}

export const DEFAULT_ENCODING_THRESHOLDS: Readonly<EncodingThresholds> = {
  hashEntries: limits.HASH_MAX_LISTPACK_ENTRIES,
  hashValue: limits.HASH_MAX_LISTPACK_VALUE,
  zsetEntries: limits.ZSET_MAX_LISTPACK_ENTRIES,
  zsetValue: limits.ZSET_MAX_LISTPACK_VALUE,
  setIntsetEntries: limits.SET_MAX_INTSET_ENTRIES,
};

/**
 * Promotes small encodings once a threshold is crossed; call after adding elements. `lengths` false: only
 * the entry count is checked, as redis-server 7.0 loads a listpack or intset from an RDB file or RESTORE.
 * `fresh`, for a set or sorted set: the members the command inserted (the others were there). redis-server
 * checks an intset's or a zset listpack's limits only when an insert happens (setTypeAdd, zsetAdd), so
 * updating members already there converts nothing even past a limit lowered since (seed 81231); a hash
 * checks its count after every set.
 */
export function updateEncoding(o: RObj, added: readonly string[] = [], t: Readonly<EncodingThresholds> = DEFAULT_ENCODING_THRESHOLDS, lengths = true, fresh: readonly string[] | null = null): void {
  if (o.type === 'hash' && !o.big) {
    if (o.v.size > t.hashEntries || (lengths && longest(added) > t.hashValue)) o.big = true;
  } else if (o.type === 'set' && !o.big) {
    if ((fresh === null || fresh.length > 0) && (o.v.size > t.setIntsetEntries || added.some((s) => !isInt64(s)))) {
      o.big = true;
      if (fresh !== null) o.htBuilt = setConversionPoint(o.v.size, fresh, t.setIntsetEntries);
    }
  } else if (o.type === 'zset' && !o.big) {
    const inserted = fresh ?? added;
    if ((fresh === null || fresh.length > 0) && (o.v.size > t.zsetEntries || (lengths && longest(inserted) > t.zsetValue))) {
      o.big = true;
      if (fresh !== null) {
        // zsetAdd converts before the insert that would pass a limit; the listpack held what came before it.
        const before = Math.max(0, o.v.size - fresh.length);
        const long = lengths ? fresh.findIndex((s) => s.length > t.zsetValue) : -1;
        const fit = Math.max(0, t.zsetEntries - before);
        o.htBuilt = { from: before + Math.min(long < 0 ? fit : long, fit), presized: false };
      }
    }
    // A listpack holds an integral score as an integer, so redis-server reads -0 back as 0 (a skiplist keeps -0).
    else {
      for (const m of added) {
        if (!Object.is(o.v.score(m), -0)) continue;
        o.v.remove(m);
        o.v.add(m, 0);
      }
    }
  }
}

/** The length of the longest string (a loop, not some() with a closure: this runs for every HSET and ZADD). */
function longest(strings: readonly string[]): number {
  let max = 0;
  for (let i = 0; i < strings.length; i++) if ((strings[i] as string).length > max) max = (strings[i] as string).length;
  return max;
}

/**
 * Where setTypeAdd turned an intset into a hashtable: before a member that is no integer (a new key
 * given one is a hashtable from the start, grown from empty), or after the insert that passed the
 * count limit; setTypeConvert presizes the dict for the members it moves.
 */
function setConversionPoint(size: number, fresh: readonly string[], limit: number): { from: number; presized: boolean } {
  const before = Math.max(0, size - fresh.length);
  const text = fresh.findIndex((s) => !isInt64(s));
  const overflow = Math.max(0, limit - before) + 1;
  if (text >= 0 && text < overflow) return { from: before + text, presized: before + text > 0 };
  return { from: Math.min(size, before + overflow), presized: true };
}

const OBJ_OVERHEAD = 56;
const ELEM_OVERHEAD = 24;
const SAMPLES = 5;

/** Approximate bytes used by a value: exact for strings, sampled for collections (like MEMORY USAGE). */
export function estimateMemory(key: string, o: RObj | string): number {
  const base = OBJ_OVERHEAD + key.length;
  if (typeof o === 'string') return base + o.length;
  switch (o.type) {
    case 'string':
      return base + o.v.length;
    case 'list':
      return base + listAvg(o.v);
    case 'set':
      return base + sampleAvg(o.v, o.v.size, (s) => s.length);
    case 'hash':
      return base + hashAvg(o.v);
    case 'zset':
      return base + sampleAvg(o.v.dict.keys(), o.v.size, (m) => m.length + 8 + ELEM_OVERHEAD * 2);
    case 'stream':
      return base + o.v.memoryEstimate();
  }
}

// Lists and hashes are what a replication group's node re-estimates before most writes (the
// maxmemory check): sampled by index and plain iteration, without a generator or a closure per item.
function listAvg(d: Deque<string>): number {
  const n = d.length;
  if (n === 0) return 0;
  const k = Math.min(n, SAMPLES);
  let total = 0;
  for (let i = 0; i < k; i++) total += (d.get(i) as string).length + ELEM_OVERHEAD;
  return Math.round((total / k) * n);
}

function hashAvg(h: SplitMap<string>): number {
  const n = h.size;
  if (n === 0) return 0;
  let total = 0;
  let k = 0;
  for (const [f, v] of h) {
    total += f.length + v.length + 2 * ELEM_OVERHEAD;
    if (++k === SAMPLES) break;
  }
  return Math.round((total / k) * n);
}

function sampleAvg<T>(items: Iterable<T>, n: number, size: (t: T) => number): number {
  if (n === 0) return 0;
  let total = 0;
  let k = 0;
  for (const it of items) {
    total += size(it) + ELEM_OVERHEAD;
    if (++k === SAMPLES) break;
  }
  return Math.round((total / k) * n);
}

/** Shared integer objects (0..9999) report OBJ_SHARED_REFCOUNT unless an LRU/LFU policy forbids sharing. */
export function refcountOf(o: RObj, maxmemory: number, policy: string): number {
  if (o.type !== 'string' || encodingOf(o) !== 'int') return 1;
  if (maxmemory !== 0 && /lru|lfu/.test(policy)) return 1;
  const n = Number(o.v);
  return n >= 0 && n < 10000 ? 2147483647 : 1;
}
