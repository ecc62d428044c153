// The key table of one database, laid out for memory: a Map from key to slot index, and per-slot
// parallel arrays. A plain string value (what SET stores) is kept as the JS string itself rather
// than a per-key object, and the LRU clock of every key lives in a typed array, so a small string
// key costs a Map entry, its two strings and a few array cells. The LFU arrays only exist once
// some key has LFU state, and the memory estimate of a bare string is computed from its length
// instead of being stored. Slots keep insertion order with holes for deleted keys, which gives O(1)
// random sampling (eviction, RANDOMKEY) and stable SCAN cursors: a cursor is the sequence number of
// the next slot to visit, so keys present for a whole SCAN are returned even across compactions.
import { estimateMemory, newString, type RObj, type RType } from './objects.ts';
import { PagedArray, PagedNumbers } from './paged.ts';
import { SplitMap } from './split-table.ts';

/** A slot's value: a bare string stands for a string object with the default 'auto' encoding. */
export type Stored = RObj | string;

const INITIAL = 16;
/** The LFU counter of a new key (LFU_INIT_VAL in Redis). */
export const LFU_INIT = 5;

export const typeOfStored = (v: Stored): RType => (typeof v === 'string' ? 'string' : v.type);
/** A stand-alone object for a stored value; for a bare string it is a copy, not linked to the slot. */
export const viewOf = (v: Stored): RObj => (typeof v === 'string' ? newString(v) : v);

/** Slots a compaction under way walks per change of the table: a few microseconds. */
const COMPACT_STEP = 256;

/**
 * A compaction under way (one of a million slots takes 150 ms and more: never in one go). Slots below
 * `w` are compacted, their sequence numbers in `seqs`; [w, r) is empty; slots from `r` on are as they were.
 */
interface Compaction {
  w: number;
  r: number;
  seqs: Float64Array;
}

export class KeyDict {
  private readonly map = new SplitMap<number>();
  private keyAt = new PagedArray<string>();
  private valAt = new PagedArray<Stored>();
  /**
   * Sequence numbers: slots appended since the last compaction are numbered consecutively from
   * `tailSeq`, so only the slots that survived a compaction need theirs stored (`packedSeqs`).
   */
  private packedSeqs = new Float64Array(0);
  private tailSeq = 1;
  private holes = 0;
  private moving: Compaction | null = null;
  /** Changed whenever slots may have moved (a compaction step, a clear): see slots(). */
  private moves = 0;
  /** Per-slot metadata, indexed like the slots. */
  private lru = new PagedNumbers((n) => new Float64Array(n));
  /**
   * Memory estimate of each slot's object, counted in this table's total. Kept here rather than only
   * on the object: a replica shares its primary's objects (replication-share.ts), and each table must
   * subtract what it added, whichever of them settled the object's new size first.
   */
  private mem = new PagedNumbers((n) => new Float64Array(n));
  private lfu: PagedNumbers<Uint8Array> | null = null;
  private lfuTime: PagedNumbers<Uint32Array> | null = null;
  /** Slots the metadata arrays hold. */
  private capacity = this.lru.capacity;

  get size(): number {
    return this.map.size;
  }

  /** The slot holding key, or undefined. */
  index(key: string): number | undefined {
    return this.map.get(key);
  }

  raw(i: number): Stored {
    return this.valAt.at(i) as Stored;
  }

  /** The value at slot i as an object; a bare string is turned into one and kept, so changes to it stick. */
  obj(i: number): RObj {
    const v = this.valAt.at(i) as Stored;
    if (typeof v !== 'string') return v;
    const o = newString(v);
    o.mem = this.memAt(i);
    this.mem.set(i, o.mem);
    this.valAt.set(i, o);
    return o;
  }

  /** The settled memory estimate of slot i. */
  memAt(i: number): number {
    const v = this.valAt.at(i) as Stored;
    return typeof v === 'string' ? estimateMemory(this.keyAt.at(i) as string, v) : this.mem.at(i);
  }

  setMem(i: number, mem: number): void {
    const v = this.valAt.at(i) as Stored;
    if (typeof v === 'string') return;
    v.mem = mem;
    this.mem.set(i, mem);
  }

  lruAt(i: number): number {
    return this.lru.at(i);
  }

  setLru(i: number, time: number): void {
    this.lru.set(i, time);
  }

  lfuAt(i: number): number {
    return this.lfu === null ? LFU_INIT : this.lfu.at(i);
  }

  lfuTimeAt(i: number): number {
    return this.lfuTime === null ? 0 : this.lfuTime.at(i);
  }

  setLfu(i: number, counter: number, time: number): void {
    if (this.lfu === null || this.lfuTime === null) {
      if (counter === LFU_INIT && time === 0) return;
      this.lfu = new PagedNumbers((n) => new Uint8Array(n).fill(LFU_INIT));
      this.lfuTime = new PagedNumbers((n) => new Uint32Array(n));
      this.lfu.reserve(this.capacity);
      this.lfuTime.reserve(this.capacity);
    }
    this.lfu.set(i, counter);
    this.lfuTime.set(i, time);
  }

  get(key: string): RObj | undefined {
    const i = this.map.get(key);
    return i === undefined ? undefined : this.obj(i);
  }

  getRaw(key: string): Stored | undefined {
    const i = this.map.get(key);
    return i === undefined ? undefined : (this.valAt.at(i) as Stored);
  }

  /** LRU/LFU state of slot i. */
  metaAt(i: number): { lru: number; lfu: number; lfuTime: number } {
    return { lru: this.lru.at(i), lfu: this.lfuAt(i), lfuTime: this.lfuTimeAt(i) };
  }

  metaOf(key: string): { lru: number; lfu: number; lfuTime: number } | undefined {
    const i = this.map.get(key);
    return i === undefined ? undefined : this.metaAt(i);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Replaces the value of an existing slot; metadata is left for the caller. */
  put(i: number, value: Stored): void {
    this.valAt.set(i, value);
  }

  /** Adds a key that is not present; returns its slot, with fresh metadata. */
  add(key: string, value: Stored): number {
    // A step first: run after appending, it could move the new slot down before the caller uses it.
    if (this.moving !== null) this.compactStep();
    const i = this.keyAt.length;
    if (i === this.capacity) this.reserve(i + 1);
    this.keyAt.push(key);
    this.valAt.push(value);
    this.lru.set(i, 0);
    this.mem.set(i, typeof value === 'string' ? 0 : value.mem);
    if (this.lfu !== null && this.lfuTime !== null) {
      this.lfu.set(i, LFU_INIT);
      this.lfuTime.set(i, 0);
    }
    this.map.set(key, i);
    return i;
  }

  delete(key: string): boolean {
    const i = this.map.get(key);
    if (i === undefined) return false;
    this.map.delete(key);
    this.keyAt.set(i, null);
    this.valAt.set(i, null);
    this.holes++;
    if (this.moving === null && this.holes > 64 && this.holes * 2 > this.keyAt.length) this.moving = { w: 0, r: 0, seqs: new Float64Array(Math.max(INITIAL, this.map.size)) };
    if (this.moving !== null) this.compactStep();
    return true;
  }

  clear(): void {
    this.moves++;
    this.tailSeq = this.nextSeq();
    this.packedSeqs = new Float64Array(0);
    this.moving = null;
    this.map.clear();
    this.keyAt = new PagedArray();
    this.valAt = new PagedArray();
    this.holes = 0;
    this.lfu = null;
    this.lfuTime = null;
    this.lru = new PagedNumbers((n) => new Float64Array(n));
    this.mem = new PagedNumbers((n) => new Float64Array(n));
    this.capacity = this.lru.capacity;
  }

  /** Slot i's sequence number; an empty slot of a compaction's gap takes that of the first slot after it, so they stay ordered. */
  private seqAt(i: number): number {
    const m = this.moving;
    if (m !== null) {
      if (i < m.w) return m.seqs[i] as number;
      if (i < m.r) i = m.r;
    }
    return this.lastSeqAt(i);
  }

  /** Slot i's sequence number as of the last finished compaction. */
  private lastSeqAt(i: number): number {
    const p = this.packedSeqs.length;
    return i < p ? (this.packedSeqs[i] as number) : this.tailSeq + (i - p);
  }

  /** The sequence number the next appended slot gets. */
  private nextSeq(): number {
    return this.lastSeqAt(this.keyAt.length);
  }

  /** Makes the metadata arrays hold slots [0, n). */
  private reserve(n: number): void {
    for (const a of [this.lru, this.mem, this.lfu, this.lfuTime]) a?.reserve(n);
    this.capacity = this.lru.capacity;
  }

  /** Moves the next few live slots down over the holes; the last step swaps in the compacted layout. */
  private compactStep(): void {
    this.moves++;
    const m = this.moving as Compaction;
    const { keyAt, valAt, lru, mem, lfu, lfuTime } = this;
    const end = Math.min(keyAt.length, m.r + COMPACT_STEP);
    for (; m.r < end; m.r++) {
      const i = m.r;
      const k = keyAt.at(i);
      if (k === null) continue;
      const j = m.w++;
      if (j === m.seqs.length) {
        const seqs = new Float64Array(j * 2);
        seqs.set(m.seqs);
        m.seqs = seqs;
      }
      m.seqs[j] = this.lastSeqAt(i);
      if (j === i) continue;
      keyAt.set(j, k);
      valAt.set(j, valAt.at(i));
      keyAt.set(i, null);
      valAt.set(i, null);
      lru.set(j, lru.at(i));
      mem.set(j, mem.at(i));
      if (lfu !== null && lfuTime !== null) {
        lfu.set(j, lfu.at(i));
        lfuTime.set(j, lfuTime.at(i));
      }
      this.map.set(k, j);
    }
    if (m.r < keyAt.length) return;
    this.tailSeq = this.nextSeq();
    this.packedSeqs = m.seqs.slice(0, m.w);
    keyAt.truncate(m.w);
    valAt.truncate(m.w);
    this.moving = null;
    this.holes = m.w - this.map.size;
    if (keyAt.length * 4 < this.capacity) {
      for (const a of [this.lru, this.mem, this.lfu, this.lfuTime]) a?.truncate(keyAt.length * 2);
      this.capacity = this.lru.capacity;
    }
  }

  /** A uniformly random live key, or null when empty. */
  random(): string | null {
    if (this.map.size === 0) return null;
    for (;;) {
      const k = this.keyAt.at(Math.floor(Math.random() * this.keyAt.length));
      if (k !== null) return k;
    }
  }

  /** The first slot whose sequence number is at least `seq`. */
  private slotFrom(seq: number): number {
    let lo = 0;
    let hi = this.keyAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqAt(mid) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Visits about `count` live entries starting at `cursor`; returns the next cursor (0 = done). */
  scan(cursor: number, count: number, visit: (key: string, type: RType) => void): number {
    let seen = 0;
    let i = this.slotFrom(cursor);
    for (; i < this.keyAt.length && seen < count; i++) {
      const k = this.keyAt.at(i);
      if (k !== null) {
        visit(k, typeOfStored(this.valAt.at(i) as Stored));
        seen++;
      }
    }
    for (; i < this.keyAt.length; i++) {
      if (this.keyAt.at(i) !== null) return this.seqAt(i);
    }
    return 0;
  }

  /**
   * Every entry with its slot (valid until the next change). Bare strings come out as detached
   * objects: fine for reading, copying and serialising, not for changing the value in place.
   */
  *entries(): IterableIterator<[string, RObj, number]> {
    for (const i of this.slots()) yield [this.keyAt.at(i) as string, viewOf(this.valAt.at(i) as Stored), i];
  }

  *keys(): IterableIterator<string> {
    for (const i of this.slots()) yield this.keyAt.at(i) as string;
  }

  /**
   * Every live slot in insertion order, as a Map iterator walks its entries: a walk kept while keys come and go
   * (KEYS, full syncs, snapshots in slices) meets every key present throughout once, and the keys added
   * meanwhile. When a compaction may have moved slots under it, it finds its place again by sequence number,
   * as SCAN's cursor does. (The key-to-slot map has no order of its own once it is split: split-table.ts.)
   */
  private *slots(): IterableIterator<number> {
    let moves = this.moves;
    let next = 0;
    for (let i = 0; ; i++) {
      if (moves !== this.moves) {
        moves = this.moves;
        i = this.slotFrom(next);
      }
      if (i >= this.keyAt.length) return;
      if (this.keyAt.at(i) === null) continue;
      next = this.seqAt(i) + 1;
      yield i;
    }
  }
}
