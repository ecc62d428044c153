// A Map that also supports O(1) random sampling (eviction, RANDOMKEY) and stable SCAN cursors.
// Slots keep insertion order with holes for deleted keys; a cursor is the sequence number of the
// next slot to visit, so keys present for a whole SCAN are returned even across compactions.

interface Slot<V> {
  key: string;
  value: V;
  seq: number;
  idx: number;
}

export class KeyDict<V> {
  private readonly map = new Map<string, Slot<V>>();
  private slots: (Slot<V> | null)[] = [];
  private seqs: number[] = [];
  private holes = 0;
  private nextSeq = 1;

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key)?.value;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Stores value under key; returns the value it replaced, if any. */
  set(key: string, value: V): V | undefined {
    const s = this.map.get(key);
    if (s !== undefined) {
      const old = s.value;
      s.value = value;
      return old;
    }
    const slot: Slot<V> = { key, value, seq: this.nextSeq++, idx: this.slots.length };
    this.slots.push(slot);
    this.seqs.push(slot.seq);
    this.map.set(key, slot);
    return undefined;
  }

  delete(key: string): boolean {
    const s = this.map.get(key);
    if (s === undefined) return false;
    this.map.delete(key);
    this.slots[s.idx] = null;
    this.holes++;
    if (this.holes > 64 && this.holes * 2 > this.slots.length) this.compact();
    return true;
  }

  clear(): void {
    this.map.clear();
    this.slots = [];
    this.seqs = [];
    this.holes = 0;
  }

  private compact(): void {
    const slots: Slot<V>[] = [];
    const seqs: number[] = [];
    for (const s of this.slots) {
      if (s === null) continue;
      s.idx = slots.length;
      slots.push(s);
      seqs.push(s.seq);
    }
    this.slots = slots;
    this.seqs = seqs;
    this.holes = 0;
  }

  /** A uniformly random live entry, or null when empty. */
  random(): [string, V] | null {
    if (this.map.size === 0) return null;
    for (;;) {
      const s = this.slots[Math.floor(Math.random() * this.slots.length)];
      if (s) return [s.key, s.value];
    }
  }

  /** Visits about `count` live entries starting at `cursor`; returns the next cursor (0 = done). */
  scan(cursor: number, count: number, visit: (key: string, value: V) => void): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.seqs[mid] as number) < cursor) lo = mid + 1;
      else hi = mid;
    }
    let seen = 0;
    let i = lo;
    for (; i < this.slots.length && seen < count; i++) {
      const s = this.slots[i];
      if (s) {
        visit(s.key, s.value);
        seen++;
      }
    }
    for (; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s) return s.seq;
    }
    return 0;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [k, s] of this.map) yield [k, s.value];
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }
}
