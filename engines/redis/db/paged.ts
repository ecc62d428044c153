// The key table's per-slot arrays (keydict.ts), kept in fixed pages so that growing never copies them.

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const MASK = PAGE - 1;

/**
 * An append-only array stored in fixed pages. A flat array of a million slots is reallocated and
 * copied each time it grows, and the old copies sit in the large-object space until a full GC;
 * 32KB pages are ordinary heap objects that are never copied.
 */
export class PagedArray<T> {
  private readonly pages: (T | null)[][] = [];
  length = 0;

  at(i: number): T | null {
    return (this.pages[i >>> PAGE_BITS] as (T | null)[])[i & MASK] as T | null;
  }

  set(i: number, v: T | null): void {
    (this.pages[i >>> PAGE_BITS] as (T | null)[])[i & MASK] = v;
  }

  push(v: T): void {
    if ((this.length & MASK) === 0) this.pages.push(new Array<T | null>(PAGE).fill(null));
    this.set(this.length++, v);
  }

  /** Drops the slots from `n` on, which must all be empty. */
  truncate(n: number): void {
    this.pages.length = Math.ceil(n / PAGE);
    this.length = n;
  }
}

type Numbers = Float64Array | Uint32Array | Uint8Array;

/**
 * Numbers per slot in typed pages, for the same reason: doubling the LRU and memory arrays of 2^21 slots made
 * and filled 64 MB in one turn (57-100 ms at load 16). The first page starts small and doubles up to a
 * full page, so a database of a few keys costs a few bytes.
 */
export class PagedNumbers<A extends Numbers> {
  private readonly pages: A[];

  /** `make(n)`: a new page of n slots, holding each slot's initial value. */
  constructor(private readonly make: (n: number) => A) {
    this.pages = [make(16)];
  }

  /** Slots [0, capacity) exist. */
  get capacity(): number {
    return this.pages.length === 1 ? (this.pages[0] as A).length : this.pages.length * PAGE;
  }

  at(i: number): number {
    return (this.pages[i >>> PAGE_BITS] as A)[i & MASK] as number;
  }

  set(i: number, v: number): void {
    (this.pages[i >>> PAGE_BITS] as A)[i & MASK] = v;
  }

  /** Makes slots [0, n) exist. */
  reserve(n: number): void {
    const first = this.pages[0] as A;
    if (first.length < PAGE && n > first.length) {
      let size = first.length * 2;
      while (size < n && size < PAGE) size *= 2;
      const grown = this.make(size);
      grown.set(first);
      this.pages[0] = grown;
    }
    while (this.pages.length * PAGE < n) this.pages.push(this.make(PAGE));
  }

  /** Drops the pages wholly past slot n. */
  truncate(n: number): void {
    this.pages.length = Math.max(1, Math.ceil(n / PAGE));
  }
}
