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
  /** The page being emptied by the slab mover, the chunks it is done with, and its inline reclaims. */
  moving: { page: Page; cut: Set<number>; inlineReclaims: number } | null = null;
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
    this.split(page, cls);
    return true;
  }

  /** split_slab_page_into_freelist: every chunk freed in address order, so the last is handed out first. */
  private split(page: Page, cls: number): void {
    const c = this.classes[cls]!;
    page.cls = cls;
    page.owners = new Array<Item | undefined>(c.perPage);
    const base = page.id * SLOT_SPAN;
    for (let slot = 0; slot < c.perPage; slot++) c.free.push(base + slot);
    c.pages.push(page);
  }

  /**
   * The class's first page starts moving. Its free chunks stay on the freelist until the mover walks
   * past them (`cut`) or an allocation for a rescue pops one first (an inline reclaim), as in memcached.
   */
  startMove(cls: number): Page {
    const page = this.classes[cls]!.pages[0]!;
    this.moving = { page, cut: new Set(), inlineReclaims: 0 };
    return page;
  }

  /** The chunk in a slot of a page. */
  chunkAt(page: Page, slot: number): number {
    return page.id * SLOT_SPAN + slot;
  }

  /** The mover is done with a chunk of the moving page: whether or not it sits on the freelist, it is no longer handed out. */
  cut(chunk: number): void {
    this.moving?.cut.add(chunk);
  }

  /**
   * slab_rebalance_alloc: a free chunk of the class off the moving page, or null. Chunks of the moving
   * page met on the way are taken off the freelist (counted as inline reclaims unless already cut);
   * like memcached it gives up after a page's worth of them.
   */
  allocOutside(cls: number, owner: Item): number | null {
    const c = this.classes[cls]!;
    const moving = this.moving!;
    const base = moving.page.id * SLOT_SPAN;
    for (let tries = 0; tries < c.perPage; ) {
      const chunk = c.free.pop();
      if (chunk === undefined) return null;
      if (chunk < base || chunk >= base + SLOT_SPAN) {
        this.pageOf(chunk).owners[chunk % SLOT_SPAN] = owner;
        return chunk;
      }
      if (moving.cut.has(chunk)) continue;
      moving.cut.add(chunk);
      moving.inlineReclaims++;
      tries++;
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
    this.moving = null;
    if (src !== 0) {
      // Chunks of the page still on the freelist were cut by the walk: they are no longer the class's.
      const base = page.id * SLOT_SPAN;
      from.free = from.free.filter((chunk) => chunk < base || chunk >= base + SLOT_SPAN);
    }
    if (dst === 0) {
      page.cls = 0;
      page.owners = [];
      this.classes[0]!.pages.push(page);
      this.releaseOverLimit();
    } else {
      this.split(page, dst);
    }
  }
}
