// `slabs reassign` and automove 2: memcached's slab rebalancer. A request is checked and answered at
// once; the page moves a moment later (memcached's rebalancer thread), so a second request meanwhile
// is answered BUSY. The source class's oldest page is emptied chunk by chunk, as slab_rebalance_move
// walks it: a live item's chunk is copied into a free chunk of the class elsewhere (an item's own chunk
// counts as a rescue, a chained chunk of a large item as a chunk rescue), or, with none free, the whole
// item is evicted; then the page goes to the destination class, or to the global page pool for 0.
import type { Item } from './item.ts';
import type { Page, SlabAllocator } from './slabs.ts';

export interface MoverHost {
  /** Moves the item's chunk `index` off the moving page into another free chunk of its class; false when there is none. */
  rescue(item: Item, index: number, page: Page): boolean;
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
      const page = this.slabs.startMove(src);
      const now = this.host.now();
      let busy = 0;
      for (let slot = 0; slot < page.owners.length; slot++) {
        const chunk = this.slabs.chunkAt(page, slot);
        // Read afresh: evicting a large item earlier on the page frees its other chunks here too.
        const item = page.owners[slot];
        const index = item === undefined ? -1 : item.chunks.indexOf(chunk);
        if (item === undefined || index < 0) {
          this.slabs.cut(chunk);
          continue;
        }
        if (this.host.isLive(item, now) && this.host.rescue(item, index, page)) {
          if (index === 0) this.stats.slab_reassign_rescues++;
          else this.stats.slab_reassign_chunk_rescues++;
          this.slabs.cut(chunk);
          continue;
        }
        if (this.host.isLive(item, now)) this.stats.slab_reassign_evictions_nomem++;
        const chunked = item.chunks.length > 1;
        this.host.evict(item);
        // memcached marks a plain item's chunk done on the spot; a large item's chunks all go back to the
        // freelist and the page is walked again (a busy item) to cut those on it.
        if (chunked) busy++;
        else this.slabs.cut(chunk);
      }
      this.stats.slab_reassign_busy_items += busy;
      this.stats.slab_reassign_inline_reclaim += this.slabs.moving!.inlineReclaims;
    }
    this.slabs.finishMove(src, dst);
    this.stats.slabs_moved++;
  }
}
