// The Map and Set behind a database's key table, its TTLs, and big hashes, sets and sorted sets. V8 rehashes
// every entry of a Map in one call when the Map doubles: one SET, HSET or SADD that took a table past 2^20
// entries held the event loop every node shares for 100-400 ms (bench/stalls-growth.ts), where redis-server
// rehashes a few buckets per command. Here a table is a Map (or Set) of its own while small; at SPLIT_AT
// entries it moves them, in one go (16k entries: a few ms, about what the Map's own doubling at that size
// costs), into PARTS Maps picked by the top bits of a hash of the key, and holds none itself. A part then
// passes 2^17 entries only once the table holds 2^25, more than a V8 heap holds (one Map cannot pass 2^24 at
// all), so no rehash is ever longer than a 2^17-entry one. Below a quarter of SPLIT_AT it is one Map again, so a
// table that shrank does not keep PARTS Maps. The classes extend Map and Set so that a small table (nearly all
// of them: every small hash, set and sorted set) costs no object and no call more than a Map.
//
// A split table walks its parts in order, so iteration order is no longer insertion order (as redis-server's
// hashtable encoding has none). Its iterators walk live Maps: like a Map's, one kept while the table changes
// (sliced commands, full syncs, active expiry) meets every key present throughout exactly once; one that spans
// a merge or another split finishes the layout it began on, skipping keys deleted since and reading values from
// the live table; one that spans a clear stops there. An iterator begun while the table was small is the Map's
// own, and ends when the table splits (only the active-expiry cursor is kept that long: it starts again).

/** Tables split at this size, and become one Map again below a quarter of it. */
export const SPLIT_AT = 1 << 14;
const PART_BITS = 8;
const PARTS = 1 << PART_BITS;

/**
 * The part of `key`: a hash over four bytes a step (a quarter of FNV-1a's multiplies: it runs on every lookup of a
 * split table), mixed by murmur3's finalizer so that its top bits depend on every byte.
 */
function partOf(key: string): number {
  const n = key.length;
  let h = n;
  let i = 0;
  for (; i + 3 < n; i += 4) h = Math.imul(h ^ (key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8) | (key.charCodeAt(i + 2) << 16) | (key.charCodeAt(i + 3) << 24)), 0x01000193);
  for (; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> (32 - PART_BITS);
}

/** A split table's parts; `cleared` once the table was cleared (its iterators stop). */
interface Split<T> {
  readonly parts: T[];
  count: number;
  cleared: boolean;
  /** The last key looked up and its part: SET of a new key looks it up, then adds it. */
  lastKey: string;
  lastPart: number;
}

type Part = Map<string, unknown> | Set<string>;

function newSplit<T extends Part>(make: () => T): Split<T> {
  return { parts: Array.from({ length: PARTS }, make), count: 0, cleared: false, lastKey: '', lastPart: partOf('') };
}

/** The part table `key` belongs in. */
function partFor<T>(s: Split<T>, key: string): T {
  if (key !== s.lastKey) {
    s.lastKey = key;
    s.lastPart = partOf(key);
  }
  return s.parts[s.lastPart] as T;
}

/**
 * The items of split table `owner` from `s` on: live while `owner` still holds `s`, else (merged or split again)
 * those whose key is still present, as `again` reads them now; nothing more once `s` was cleared.
 */
function* walk<T extends Part, R>(owner: { readonly split: Split<T> | null }, s: Split<T>, items: (t: T) => Iterable<R>, again: (r: R) => R | undefined): Generator<R, undefined> {
  for (const t of s.parts) {
    for (const r of items(t)) {
      if (owner.split === s) yield r;
      else if (s.cleared) return undefined;
      else {
        const now = again(r);
        if (now !== undefined) yield now;
      }
    }
  }
  return undefined;
}

/** One of the first 64 keys of a random non-empty part (or of `small`): eviction's sample of keys with a TTL. */
function pickFrom(small: Iterable<string>, smallSize: number, s: Split<Part> | null): string | undefined {
  let keys = small;
  let n = smallSize;
  if (s !== null) {
    let t: Part;
    do t = s.parts[Math.floor(Math.random() * PARTS)] as Part;
    while (t.size === 0);
    keys = t.keys();
    n = t.size;
  }
  let skip = Math.floor(Math.random() * Math.min(n, 64));
  for (const k of keys) if (skip-- <= 0) return k;
  return undefined;
}

/**
 * A uniformly random key (SRANDMEMBER, SPOP, HRANDFIELD, ZRANDMEMBER): a position drawn over the whole table,
 * found by the parts' sizes, then walked to inside its part. A part holds about 1/256 of a split table, so a
 * pick walks a few thousand keys of a million-key table, not half of it (10-150 ms a pick before).
 */
function randomOf(small: Iterable<string>, smallSize: number, s: Split<Part> | null): string | undefined {
  let keys = small;
  let at = Math.floor(Math.random() * (s === null ? smallSize : s.count));
  if (s !== null) {
    for (const t of s.parts) {
      if (at < t.size) {
        keys = t.keys();
        break;
      }
      at -= t.size;
    }
  }
  for (const k of keys) if (at-- === 0) return k;
  return undefined;
}

export class SplitMap<V> extends Map<string, V> {
  /** The parts once split (this Map itself then holds nothing), else null. */
  split: Split<Map<string, V>> | null = null;

  override get size(): number {
    return this.split === null ? super.size : this.split.count;
  }

  /** The largest Map inside (tests check the bound). */
  get largestPart(): number {
    return this.split === null ? super.size : Math.max(...this.split.parts.map((p) => p.size));
  }

  override get(key: string): V | undefined {
    const s = this.split;
    return s === null ? super.get(key) : partFor(s, key).get(key);
  }

  override has(key: string): boolean {
    const s = this.split;
    return s === null ? super.has(key) : partFor(s, key).has(key);
  }

  override set(key: string, value: V): this {
    const s = this.split;
    if (s === null) {
      super.set(key, value);
      if (super.size >= SPLIT_AT) this.divide();
      return this;
    }
    const p = partFor(s, key);
    const n = p.size;
    p.set(key, value);
    s.count += p.size - n;
    return this;
  }

  override delete(key: string): boolean {
    const s = this.split;
    if (s === null) return super.delete(key);
    if (!partFor(s, key).delete(key)) return false;
    if (--s.count < SPLIT_AT / 4) this.join(s);
    return true;
  }

  override clear(): void {
    if (this.split !== null) this.split.cleared = true;
    this.split = null;
    super.clear();
  }

  private divide(): void {
    const s = newSplit<Map<string, V>>(() => new Map());
    for (const [k, v] of super.entries()) partFor(s, k).set(k, v);
    s.count = super.size;
    super.clear();
    this.split = s;
  }

  private join(s: Split<Map<string, V>>): void {
    this.split = null;
    for (const p of s.parts) for (const [k, v] of p) super.set(k, v);
  }

  override keys(): MapIterator<string> {
    const s = this.split;
    if (s === null) return super.keys();
    return walk(this, s, (t) => t.keys(), (k) => (this.has(k) ? k : undefined));
  }

  override entries(): MapIterator<[string, V]> {
    const s = this.split;
    if (s === null) return super.entries();
    return walk(this, s, (t) => t.entries(), ([k]) => (this.has(k) ? [k, this.get(k) as V] : undefined));
  }

  override values(): MapIterator<V> {
    const s = this.split;
    if (s === null) return super.values();
    return (function* (entries: Iterable<[string, V]>): Generator<V, undefined> {
      for (const e of entries) yield e[1];
      return undefined;
    })(this.entries());
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override forEach(each: (value: V, key: string, map: Map<string, V>) => void): void {
    for (const [k, v] of this.entries()) each(v, k, this);
  }

  /** A key near a random place, or undefined when empty (see pickFrom). */
  pick(): string | undefined {
    return this.size === 0 ? undefined : pickFrom(super.keys(), super.size, this.split);
  }

  /** A uniformly random key, or undefined when empty (see randomOf). */
  randomKey(): string | undefined {
    return this.size === 0 ? undefined : randomOf(super.keys(), super.size, this.split);
  }
}

export class SplitSet extends Set<string> {
  /** The parts once split (this Set itself then holds nothing), else null. */
  split: Split<Set<string>> | null = null;

  override get size(): number {
    return this.split === null ? super.size : this.split.count;
  }

  /** The largest Set inside (tests check the bound). */
  get largestPart(): number {
    return this.split === null ? super.size : Math.max(...this.split.parts.map((p) => p.size));
  }

  override has(key: string): boolean {
    const s = this.split;
    return s === null ? super.has(key) : partFor(s, key).has(key);
  }

  override add(key: string): this {
    const s = this.split;
    if (s === null) {
      super.add(key);
      if (super.size >= SPLIT_AT) this.divide();
      return this;
    }
    const p = partFor(s, key);
    const n = p.size;
    p.add(key);
    s.count += p.size - n;
    return this;
  }

  override delete(key: string): boolean {
    const s = this.split;
    if (s === null) return super.delete(key);
    if (!partFor(s, key).delete(key)) return false;
    if (--s.count < SPLIT_AT / 4) this.join(s);
    return true;
  }

  override clear(): void {
    if (this.split !== null) this.split.cleared = true;
    this.split = null;
    super.clear();
  }

  private divide(): void {
    const s = newSplit<Set<string>>(() => new Set());
    for (const k of super.values()) partFor(s, k).add(k);
    s.count = super.size;
    super.clear();
    this.split = s;
  }

  private join(s: Split<Set<string>>): void {
    this.split = null;
    for (const p of s.parts) for (const k of p) super.add(k);
  }

  override values(): SetIterator<string> {
    const s = this.split;
    if (s === null) return super.values();
    return walk(this, s, (t) => t.values(), (k) => (this.has(k) ? k : undefined));
  }

  override keys(): SetIterator<string> {
    return this.values();
  }

  override entries(): SetIterator<[string, string]> {
    const s = this.split;
    if (s === null) return super.entries();
    return (function* (keys: Iterable<string>): Generator<[string, string], undefined> {
      for (const k of keys) yield [k, k];
      return undefined;
    })(this.values());
  }

  override [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }

  override forEach(each: (value: string, key: string, set: Set<string>) => void): void {
    for (const k of this.values()) each(k, k, this);
  }

  /** A key near a random place, or undefined when empty (see pickFrom). */
  pick(): string | undefined {
    return this.size === 0 ? undefined : pickFrom(super.values(), super.size, this.split);
  }

  /** A uniformly random member, or undefined when empty (see randomOf). */
  randomKey(): string | undefined {
    return this.size === 0 ? undefined : randomOf(super.values(), super.size, this.split);
  }
}
