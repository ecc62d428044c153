// memcached's slab allocator: 1 MB pages handed to slab classes on demand (never past -m, except that
// every class may take its first page), each page cut into chunks of its class's size. Items own chunks;
// `stats slabs` and eviction follow from which class has which pages and free chunks.
import type { Item } from './item.ts';
import { SLAB_PAGE_SIZE } from './limits.ts';

/** A chunk is named by its page and slot: page id * SLOT_SPAN + slot (a page holds < 2^20 chunks). */
const SLOT_SPAN = 1 << 20;

export interface Page {
  readonly id: number;
  /** The class the page is cut for; 0 while it waits in the global page pool. */
  cls: number;
  /** The item (or chunked item) owning each slot; a slot of a chunked item points at its head. */
  owners: (Item | undefined)[];
}

export interface SlabClass {
  readonly size: number;
  readonly perPage: number;
  /** memcached's slab_list: oldest page first (a reassignment takes the first). */
  pages: Page[];
  /** Free chunks, most recently freed last (memcached's freelist head). */
  free: number[];
}

export class SlabAllocator {
  /** Index 0 is the global page pool; 1..n are the classes. */
  readonly classes: SlabClass[];
  private readonly pagesById: Page[] = [];
  /** total_malloced: bytes of pages ever taken from the memory limit. */
  malloced = 0;
  /** Bytes counted against the limit as if malloced (the fault API's fill-memory): the cache runs as with less memory. */
  ballast = 0;

  constructor(
    sizes: number[],
    public memoryLimit: number,
  ) {
    this.classes = [{ size: 0, perPage: 0, pages: [], free: [] }];
    for (const size of sizes) this.classes.push({ size, perPage: Math.floor(SLAB_PAGE_SIZE / size), pages: [], free: [] });
  }

  get largest(): number {
    return this.classes.length - 1;
  }

  /** slabs_clsid: the smallest class whose chunk holds `size` bytes (the largest for anything bigger). */
  classFor(size: number): number {
    for (let i = 1; i < this.classes.length; i++) if (size <= this.classes[i]!.size) return i;
    return this.largest;
  }

  /** do_slabs_alloc: a free chunk of the class, cutting a new page when none is free (unless told not to). */
  alloc(cls: number, owner: Item, noNewPage = false): number | null {
    const c = this.classes[cls]!;
    if (c.free.length === 0 && !noNewPage) this.newPage(cls);
    const chunk = c.free.pop();
    if (chunk === undefined) return null;
    this.pageOf(chunk).owners[chunk % SLOT_SPAN] = owner;
    return chunk;
  }

  free(chunk: number): void {
    const page = this.pageOf(chunk);
    page.owners[chunk % SLOT_SPAN] = undefined;
    this.classes[page.cls]!.free.push(chunk);
  }

  pageOf(chunk: number): Page {
    return this.pagesById[Math.floor(chunk / SLOT_SPAN)]!;
  }

  /**
   * do_slabs_newslab: a page from the global pool, else a fresh one while under the limit. A class
   * with no page yet gets one even past the limit, as memcached allows.
   */
  private newPage(cls: number): boolean {
    const c = this.classes[cls]!;
    const pool = this.classes[0]!;
    if (this.malloced + this.ballast + SLAB_PAGE_SIZE > this.memoryLimit && c.pages.length > 0 && pool.pages.length === 0) return false;
    let page = pool.pages.pop();
    if (page === undefined) {
      page = { id: this.pagesById.length, cls, owners: [] };
      this.pagesById.push(page);
      this.malloced += SLAB_PAGE_SIZE;
    }
    this.cut(page, cls);
    return true;
  }

  /** split_slab_page_into_freelist: every chunk freed in address order, so the last is handed out first. */
  private cut(page: Page, cls: number): void {
    const c = this.classes[cls]!;
    page.cls = cls;
    page.owners = new Array<Item | undefined>(c.perPage);
    const base = page.id * SLOT_SPAN;
    for (let slot = 0; slot < c.perPage; slot++) c.free.push(base + slot);
    c.pages.push(page);
  }

  /** Owners of the class's first page, with its free chunks taken off the freelist (the page is leaving). */
  detachFirstPage(cls: number): { page: Page; owners: Set<Item> } {
    const c = this.classes[cls]!;
    const page = c.pages[0]!;
    const base = page.id * SLOT_SPAN;
    c.free = c.free.filter((chunk) => chunk < base || chunk >= base + SLOT_SPAN);
    const owners = new Set<Item>();
    for (const owner of page.owners) if (owner !== undefined) owners.add(owner);
    return { page, owners };
  }

  /** A chunk of the class off the page being moved, or null (slab_rebalance_alloc). */
  allocOutside(cls: number, page: Page, owner: Item): number | null {
    const c = this.classes[cls]!;
    const base = page.id * SLOT_SPAN;
    for (let i = c.free.length - 1; i >= 0; i--) {
      const chunk = c.free[i]!;
      if (chunk >= base && chunk < base + SLOT_SPAN) continue;
      c.free.splice(i, 1);
      this.pageOf(chunk).owners[chunk % SLOT_SPAN] = owner;
      return chunk;
    }
    return null;
  }

  /**
   * memory_release: after the limit is lowered (cache_memlimit), pages reaching the global pool are
   * given back (newest first) until no more is malloced than the limit allows.
   */
  releaseOverLimit(): void {
    const pool = this.classes[0]!.pages;
    while (this.malloced > this.memoryLimit && pool.length > 0) {
      pool.pop();
      this.malloced -= SLAB_PAGE_SIZE;
    }
  }

  /** slab_rebalance_finish: the emptied first page of `src` goes to `dst` (0 = the global pool). */
  finishMove(src: number, dst: number): void {
    const from = this.classes[src]!;
    const page = from.pages.shift()!;
    if (src !== 0) {
      // Chunks of the page still on the freelist (freed while it moved) are no longer the class's.
      const base = page.id * SLOT_SPAN;
      from.free = from.free.filter((chunk) => chunk < base || chunk >= base + SLOT_SPAN);
    }
    if (dst === 0) {
      page.cls = 0;
      page.owners = [];
      this.classes[0]!.pages.push(page);
      this.releaseOverLimit();
    } else {
      this.cut(page, dst);
    }
  }
}
