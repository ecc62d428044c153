// `slabs reassign` and automove 2: memcached's slab rebalancer. A request is checked and answered at
// once; the page moves a moment later (memcached's rebalancer thread), so a second request meanwhile
// is answered BUSY. The source class's oldest page is emptied (its live items rescued into free chunks
// elsewhere in the class, or evicted when there are none) and handed to the destination class, or to
// the global page pool when the destination is 0.
import type { Item } from './item.ts';
import type { Page, SlabAllocator } from './slabs.ts';

export interface MoverHost {
  /** Moves a live item off the page into another free chunk of its class; false when there is none. */
  rescue(item: Item, page: Page): boolean;
  /** Unlinks an item and frees its chunks. */
  evict(item: Item): void;
  now(): number;
  isLive(item: Item, now: number): boolean;
}

export function newMoverStats() {
  return {
    slab_reassign_rescues: 0,
    slab_reassign_chunk_rescues: 0,
    slab_reassign_evictions_nomem: 0,
    slab_reassign_inline_reclaim: 0,
    slab_reassign_busy_items: 0,
    slab_reassign_busy_deletes: 0,
    slabs_moved: 0,
  };
}

export class SlabMover {
  stats = newMoverStats();
  private pending: NodeJS.Immediate | null = null;
  /** slabs_reassign_pick_any's cursor: the class after the last one it picked. */
  private cursor = 0;

  constructor(
    private readonly slabs: SlabAllocator,
    private readonly host: MoverHost,
  ) {}

  get running(): boolean {
    return this.pending !== null;
  }

  /** The reply line for `slabs reassign src dst` (src -1: any class with a spare page). */
  request(src: number, dst: number): string {
    if (this.pending !== null) return 'BUSY currently processing reassign request\r\n';
    if (src === dst) return 'SAME src and dst class are identical\r\n';
    if (src === -1) src = this.pickAny(dst);
    const largest = this.slabs.largest;
    if (src < 0 || src > largest || dst < 0 || dst > largest) return 'BADCLASS invalid src or dst class id\r\n';
    if (this.slabs.classes[src]!.pages.length < 2) return 'NOSPARE source class has no spare pages\r\n';
    this.pending = setImmediate(() => {
      this.pending = null;
      this.move(src, dst);
    });
    return 'OK\r\n';
  }

  stop(): void {
    if (this.pending !== null) clearImmediate(this.pending);
    this.pending = null;
  }

  resetStats(): void {
    this.stats = newMoverStats();
  }

  private pickAny(dst: number): number {
    const largest = this.slabs.largest;
    for (let tries = largest; tries > 0; tries--) {
      this.cursor = this.cursor >= largest ? 1 : this.cursor + 1;
      if (this.cursor === dst) continue;
      if (this.slabs.classes[this.cursor]!.pages.length > 1) return this.cursor;
    }
    return -1;
  }

  private move(src: number, dst: number): void {
    // The classes may have changed since the request was accepted.
    if (this.slabs.classes[src]!.pages.length < 2) return;
    if (src !== 0) {
      const { page, owners } = this.slabs.detachFirstPage(src);
      const now = this.host.now();
      for (const item of owners) {
        if (!this.host.isLive(item, now)) {
          this.host.evict(item);
        } else if (this.host.rescue(item, page)) {
          this.stats.slab_reassign_rescues++;
        } else {
          this.stats.slab_reassign_evictions_nomem++;
          this.host.evict(item);
        }
      }
    }
    this.slabs.finishMove(src, dst);
    this.stats.slabs_moved++;
  }
}
