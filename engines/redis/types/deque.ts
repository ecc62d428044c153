// Ring-buffer deque: O(1) push/pop at both ends and O(1) indexing, which is what lists need most.
// The capacity is a power of two, so wrapping an index is a mask rather than a division (LPUSH's
// modulo and the element-by-element modulo copy in grow() were 4% of a pipelined LPUSH's CPU).
const capacityFor = (n: number): number => {
  let c = 8;
  while (c < n) c *= 2;
  return c;
};

export class Deque<T> {
  protected items: (T | undefined)[];
  protected mask: number;
  protected head = 0;
  length = 0;

  constructor(capacity = 8) {
    this.items = new Array<T | undefined>(capacityFor(capacity));
    this.mask = this.items.length - 1;
  }

  static from<T>(values: readonly T[]): Deque<T> {
    const d = new Deque<T>(values.length * 2);
    for (const v of values) d.pushBack(v);
    return d;
  }

  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(old.length * 2);
    // Full: the elements run from head to the end of the array, then wrap to its start.
    let j = 0;
    for (let i = this.head; i < old.length; i++) next[j++] = old[i];
    for (let i = 0; i < this.head; i++) next[j++] = old[i];
    this.items = next;
    this.mask = next.length - 1;
    this.head = 0;
  }

  pushBack(v: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & this.mask] = v;
    this.length++;
  }

  pushFront(v: T): void {
    if (this.length === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = v;
    this.length++;
  }

  popFront(): T | undefined {
    if (this.length === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return v;
  }

  popBack(): T | undefined {
    if (this.length === 0) return undefined;
    const i = (this.head + this.length - 1) & this.mask;
    const v = this.items[i];
    this.items[i] = undefined;
    this.length--;
    return v;
  }

  get(i: number): T | undefined {
    if (i < 0 || i >= this.length) return undefined;
    return this.items[(this.head + i) & this.mask];
  }

  set(i: number, v: T): void {
    this.items[(this.head + i) & this.mask] = v;
  }

  /** Elements [start, end] inclusive, already clamped by the caller. */
  slice(start: number, end: number): T[] {
    const out: T[] = [];
    for (let i = start; i <= end; i++) out.push(this.items[(this.head + i) & this.mask] as T);
    return out;
  }

  toArray(): T[] {
    return this.slice(0, this.length - 1);
  }

  /**
   * Inserts `v` so that it becomes element `i`, moving the shorter side by one: a million-element list
   * is edited in place, where a copy and a rebuild held the event loop for a second.
   */
  insertAt(i: number, v: T): void {
    if (this.length === this.items.length) this.grow();
    const items = this.items;
    const mask = this.mask;
    if (i < this.length - i) {
      this.head = (this.head - 1) & mask;
      for (let k = 0; k < i; k++) items[(this.head + k) & mask] = items[(this.head + k + 1) & mask];
    } else {
      for (let k = this.length; k > i; k--) items[(this.head + k) & mask] = items[(this.head + k - 1) & mask];
    }
    items[(this.head + i) & mask] = v;
    this.length++;
  }

  /**
   * Removes up to `limit` elements equal to `v`, scanning from the front or (fromBack) from the back,
   * and closes the gaps in place; how many went.
   */
  removeEqual(v: T, limit: number, fromBack: boolean): number {
    const n = this.length;
    const at = (r: number) => (this.head + r) & this.mask;
    // Only the run from the end searched to the last element removed moves (LREM key 1 x of an element near
    // the head of a million-element list walked and rewrote all of it, ~10 ms).
    let removed = 0;
    let stop = fromBack ? n : 0;
    if (!fromBack) {
      for (let r = 0; r < n && removed < limit; r++) if (this.items[at(r)] === v) [removed, stop] = [removed + 1, r + 1];
    } else {
      for (let r = n - 1; r >= 0 && removed < limit; r--) if (this.items[at(r)] === v) [removed, stop] = [removed + 1, r];
    }
    if (removed === 0) return 0;
    let left = removed;
    if (!fromBack) {
      // The kept elements of [0, stop) move toward the back; the head advances past the freed slots.
      let w = stop - 1;
      for (let r = stop - 1; r >= 0; r--) {
        const x = this.items[at(r)] as T;
        if (x === v && left > 0) left--;
        else this.items[at(w--)] = x;
      }
      for (let k = 0; k < removed; k++) this.items[at(k)] = undefined;
      this.head = at(removed);
    } else {
      // The kept elements of [stop, n) move toward the front.
      let w = stop;
      for (let r = stop; r < n; r++) {
        const x = this.items[at(r)] as T;
        if (x === v && left > 0) left--;
        else this.items[at(w++)] = x;
      }
      for (let k = n - removed; k < n; k++) this.items[at(k)] = undefined;
    }
    this.length = n - removed;
    this.shrinkIfSparse();
    return removed;
  }

  /** Keeps elements [start, end] only (clamped by the caller; start > end empties), dropping the rest in place. */
  keep(start: number, end: number): void {
    if (start > end) {
      this.refill([]);
      return;
    }
    // Ring moves only: a subclass's pops keep more than the ring in step.
    for (let k = end + 1; k < this.length; k++) this.items[(this.head + k) & this.mask] = undefined;
    this.length = Math.min(this.length, end + 1);
    for (let k = 0; k < start; k++) this.items[(this.head + k) & this.mask] = undefined;
    this.head = (this.head + start) & this.mask;
    this.length -= start;
    this.shrinkIfSparse();
  }

  /** After a big cut, the few left move to a smaller array, so the emptied slots do not stay allocated. */
  private shrinkIfSparse(): void {
    if (this.items.length > 64 && this.length * 8 < this.items.length) this.refill(this.toArray());
  }

  /** An independent copy: the ring is copied as it lies, with no element-by-element push (COPY of a million, a replica's copy). */
  clone(): Deque<T> {
    const d = new Deque<T>(0);
    d.copyRing(this);
    return d;
  }

  protected copyRing(from: Deque<T>): void {
    this.items = from.items.slice();
    this.mask = from.mask;
    this.head = from.head;
    this.length = from.length;
  }

  /** Replaces the whole content. */
  reset(values: readonly T[]): void {
    this.refill(values);
  }

  /** Replaces the elements only (a subclass's reset may keep more in step with them). */
  protected refill(values: readonly T[]): void {
    this.items = new Array<T | undefined>(capacityFor(values.length * 2));
    this.mask = this.items.length - 1;
    this.head = 0;
    // Written in place, not pushed: a subclass's pushBack keeps more than the ring in step.
    for (let i = 0; i < values.length; i++) this.items[i] = values[i];
    this.length = values.length;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.length; i++) yield this.items[(this.head + i) & this.mask] as T;
  }
}
