// How many slots the hash table of a hashtable hash, set or sorted set has in redis-server 7.0, which
// MEMORY USAGE counts (8 bytes each). It grows to the next power of two when an insert finds it full,
// and after a delete that leaves it under 10% full (htNeedsResize) dictResize shrinks it to the power
// of two that holds what is left; a table that lost most but not 90% of its entries keeps its size.
// The incremental rehash in between (old and new tables both counted for a few more operations on the
// key, how many depends on redis-server's random hash seed) is not modelled: the resize counts as done.
import type { HashObj, SetObj, ZSetObj } from './objects.ts';

const INITIAL = 4;

/** _dictNextExp: the smallest power of two, at least 4, that holds n. */
export function grownSlots(n: number): number {
  let s = INITIAL;
  while (s < n) s *= 2;
  return s;
}

type Table = HashObj | SetObj | ZSetObj;

/** Brings o's table size up to date with its count after a command changed it (adds only or deletes only). */
export function settleDictSize(o: Table): void {
  const n = o.v.size;
  const prev = o.htUsed ?? n;
  let size = o.htSize ?? grownSlots(n);
  if (n > size) size = grownSlots(n);
  else if (n < prev) {
    // Checked after each delete; once a resize starts, the rehash it begins refuses another in the same command.
    for (let used = prev - 1; used >= n; used--) {
      if (size > INITIAL && used * 10 < size) {
        size = grownSlots(Math.max(used, INITIAL));
        break;
      }
    }
  }
  o.htSize = size;
  o.htUsed = n;
}

/** The slots MEMORY USAGE counts for o's table. */
export const dictSlotsOf = (o: Table): number => o.htSize ?? grownSlots(o.v.size);
