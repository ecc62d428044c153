// How many slots the hash table of a hashtable hash, set or sorted set has in redis-server 7.0, which
// MEMORY USAGE counts (8 bytes each). It grows to the next power of two when an insert finds it full,
// and after a delete that leaves it under 10% full (htNeedsResize) dictResize shrinks it to the power
// of two that holds what is left. Either change starts an incremental rehash: until it ends, the old
// table is counted too, and no other resize starts. Every dictFind, dictAdd and dictDelete on the key
// moves the rehash one step (one old bucket, or ten empty ones).
//
// What is exact and what is not: right after the command that started a rehash (no step taken yet)
// both tables are counted, here as there; once a step per old bucket has been taken the rehash is
// surely over. In between, when it ends depends on which old buckets hold entries, which redis-server's
// random hash seed decides: ours ends it after the steps a table of that load needs on average.
import type { EncodingThresholds, HashObj, SetObj, ZSetObj } from './objects.ts';

const INITIAL = 4;

/** _dictNextExp: the smallest power of two, at least 4, that holds n. */
export function grownSlots(n: number): number {
  let s = INITIAL;
  while (s < n) s *= 2;
  return s;
}

type Table = HashObj | SetObj | ZSetObj;

/** The table as a resize history leaves it: its size, entries, and the old table a rehash still moves from. */
interface Ht {
  size: number;
  used: number;
  /** 0 when no rehash is in progress. */
  old: number;
  /** Steps our estimate gives the rehash before it ends. */
  left: number;
}

/**
 * The steps a rehash out of a table of `slots` holding `used` entries takes on average: one per
 * non-empty bucket, plus one for every ten empty buckets in a row before one (a step gives up after
 * ten), which only a sparse table (after deletes) has many of. At least 1 (it cannot end before a
 * step) and at most `slots` (each step passes at least one bucket). Measured on redis-server 7.0.15:
 * 128 -> 256 slots ended after 74-83 adds in eight runs, this gives 81.
 */
function rehashSteps(slots: number, used: number): number {
  const empty = (1 - 1 / slots) ** used;
  const filled = slots * (1 - empty);
  const longGaps = empty ** 10 / (1 - empty ** 10);
  return Math.min(slots, Math.max(1, Math.round(filled * (1 + longGaps))));
}

function step(t: Ht, steps: number): void {
  if (t.old === 0 || steps === 0) return;
  t.left -= steps;
  if (t.left <= 0) t.old = 0;
}

/** `steps` rehash steps the insert's lookups take first, then _dictExpandIfNeeded, then the entry. */
function add(t: Ht, steps: number): void {
  step(t, steps);
  if (t.size === 0) t.size = INITIAL;
  else if (t.old === 0 && t.used >= t.size) {
    t.old = t.size;
    t.left = rehashSteps(t.size, t.used);
    t.size = grownSlots(t.used + 1);
  }
  t.used++;
}

/**
 * Inserts `n` entries as add() would one at a time, skipping ahead over runs where nothing happens:
 * no rehash runs and the table has room, or a rehash runs and does not end yet (no resize starts then).
 */
function addMany(t: Ht, n: number, steps: number): void {
  while (n > 0) {
    let run = 0;
    if (t.old === 0 && t.size !== 0 && t.used < t.size) run = Math.min(n, t.size - t.used);
    else if (t.old !== 0 && steps > 0) run = Math.min(n, Math.ceil(t.left / steps) - 1);
    if (run > 0) {
      if (t.old !== 0) t.left -= run * steps;
      t.used += run;
      n -= run;
      continue;
    }
    add(t, steps);
    n--;
  }
}

/** A delete's step, then htNeedsResize/dictResize when `resize` (refused while a rehash runs). */
function remove(t: Ht, steps: number, resize: boolean): void {
  step(t, steps);
  t.used--;
  if (!resize || t.old !== 0 || t.size <= INITIAL || t.used * 10 >= t.size) return;
  const target = grownSlots(Math.max(t.used, INITIAL));
  if (target === t.size) return;
  t.old = t.size;
  t.left = rehashSteps(t.size, t.used);
  t.size = target;
}

/** Lookups each insert does: zsetAdd and hashTypeSet look the entry up, then add it; setTypeAdd only adds. */
const insertSteps = (o: Table): number => (o.type === 'set' ? 1 : 2);

function current(o: Table): Ht {
  return { size: o.htSize ?? 0, used: o.htUsed ?? 0, old: o.htOld ?? 0, left: o.htLeft ?? 0 };
}

function store(o: Table, t: Ht): void {
  o.htSize = t.size;
  o.htUsed = t.used;
  o.htOld = t.old === 0 ? undefined : t.old;
  o.htLeft = t.old === 0 ? undefined : t.left;
}

/**
 * Brings o's table up to date with its count after a command changed it (adds only or deletes only).
 * A table converted from a listpack or intset in this command is built as the conversion built it
 * (o.htBuilt, set by updateEncoding); one that appeared some other way (a load, a store command) is
 * sized for its count at once, as dictTryExpand does on load.
 */
export function settleDictSize(o: Table): void {
  const n = o.v.size;
  if (o.htSize === undefined) {
    const built = o.htBuilt;
    o.htBuilt = undefined;
    if (built === undefined) {
      store(o, { size: grownSlots(n), used: n, old: 0, left: 0 });
      return;
    }
    // zsetConvert adds entry by entry into an empty dict; setTypeConvert and hashTypeConvert presize it.
    const t: Ht = built.presized ? { size: grownSlots(built.from), used: built.from, old: 0, left: 0 } : { size: 0, used: 0, old: 0, left: 0 };
    if (!built.presized) addMany(t, built.from, 1);
    addMany(t, Math.max(0, n - built.from), insertSteps(o));
    store(o, t);
    return;
  }
  const t = current(o);
  if (n > t.used) addMany(t, n - t.used, insertSteps(o));
  else while (t.used > n) remove(t, 1, true);
  store(o, t);
}

/**
 * ZREMRANGEBYSCORE/RANK/LEX: each dictDelete of the range moves a rehash in progress a step, and
 * htNeedsResize is checked once, after the last delete (measured on 7.0.15: 3 deletes from a 130-member
 * set mid-rehash moved 3 more buckets; after 121 the grow had ended and a shrink to 16 began, seed
 * 113901). Call before modified().
 */
export function settleRangeDelete(o: ZSetObj): void {
  if (o.htSize === undefined) return;
  const t = current(o);
  const n = o.v.size;
  if (t.used <= n) return;
  step(t, t.used - n - 1);
  t.used = n + 1;
  remove(t, 1, true);
  store(o, t);
}

/**
 * Where HSET turned a listpack hash into a hashtable: hashTypeTryConversion converts before any
 * insert when an argument is longer than hash-max-listpack-value, otherwise hashTypeSet converts
 * after the insert that passed hash-max-listpack-entries; hashTypeConvert presizes the dict for
 * the fields it moves (an empty listpack gets the 4 slots dictExpand gives 0). `args` are the fields and
 * values set, from `firstValue` on.
 */
export function hashConverted(o: HashObj, before: number, args: readonly string[], t: Readonly<EncodingThresholds>, firstValue = 0): void {
  const from = args.some((s, i) => i >= firstValue && s.length > t.hashValue) ? before : Math.min(o.v.size, Math.max(before, t.hashEntries) + 1);
  o.htBuilt = { from, presized: true };
}

/** A lookup of o's entries (a read command on the key): one rehash step while one runs. */
export function lookedUp(o: Table): void {
  if (o.htOld === undefined) return;
  const t = current(o);
  step(t, 1);
  store(o, t);
}

/** The slots of o's current table (DEBUG HTSTATS-KEY's table; a rehash's target while one runs). */
export const dictSlotsOf = (o: Table): number => o.htSize ?? grownSlots(o.v.size);

/** The slots MEMORY USAGE counts (dictSlots): both tables while a rehash runs. */
export const dictSlotsCounted = (o: Table): number => dictSlotsOf(o) + (o.htOld ?? 0);
