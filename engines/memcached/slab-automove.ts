// `slabs automove 1`, memcached 1.6's default page balancer, run once a second. Over a window of
// samples (slab_automove_window, 30) it watches each class's COLD tail age, evictions, out-of-memory
// and page growth. A class with more than 2.5 pages' worth of free chunks and no such activity in the
// whole window gives a page back to the global pool; otherwise, once the window has filled, a page
// moves from the class whose items live longest (with more than 2 pages) to the class evicting in most
// samples whose items die youngest, when that age is below ratio x the oldest.
import type { SegmentedLru } from './lru.ts';
import type { SlabAllocator } from './slabs.ts';

/** MIN_PAGES_FOR_SOURCE / MIN_PAGES_FOR_RECLAIM in memcached. */
const SOURCE_MIN_PAGES = 2;
const RECLAIM_FREE_PAGES = 2.5;

export interface AutomoveSettings {
  slabAutomove: number;
  slabAutomoveRatio: number;
  slabAutomoveWindow: number;
  /**
   * false with -o no_slab_reassign: memcached then starts no rebalancer thread, so what automove asks for
   * (1's moves, 2's page per eviction) is never carried out.
   */
  slabReassign?: boolean;
}

interface Sample {
  age: number;
  dirty: boolean;
  evicted: boolean;
}

interface Snapshot {
  evicted: number;
  outofmemory: number;
  pages: number;
}

export class SlabAutomover {
  private windows: Sample[][] = [];
  private size = 0;
  private cursor = 0;
  private before: Snapshot[];

  constructor(
    private readonly slabs: SlabAllocator,
    private readonly lru: SegmentedLru,
    private readonly settings: AutomoveSettings,
    private readonly now: () => number,
  ) {
    this.before = this.snapshot();
  }

  private snapshot(): Snapshot[] {
    const out: Snapshot[] = [];
    for (let cls = 0; cls <= this.slabs.largest; cls++) {
      const st = this.lru.stats[cls]!;
      out.push({ evicted: st.evicted, outofmemory: st.outofmemory, pages: this.slabs.classes[cls]!.pages.length });
    }
    return out;
  }

  /** One sample; returns [src, dst] of a page to move, or null. */
  run(): [number, number] | null {
    const size = Math.max(1, this.settings.slabAutomoveWindow);
    if (size !== this.size) {
      // A new window length starts the windows afresh.
      this.size = size;
      this.cursor = 0;
      this.windows = Array.from({ length: this.slabs.largest + 1 }, () =>
        Array.from({ length: size }, () => ({ age: 0, dirty: false, evicted: false })),
      );
    }
    const after = this.snapshot();
    this.cursor++;
    const now = this.now();
    let src = -1;
    let dst = -1;
    let oldest = -1;
    let oldestAge = 0;
    let youngest = -1;
    let youngestAge = Infinity;
    let youngestEvicting = false;
    for (let cls = 1; cls <= this.slabs.largest; cls++) {
      const window = this.windows[cls]!;
      const slot = window[this.cursor % size]!;
      slot.age = 0;
      slot.dirty = false;
      slot.evicted = false;
      let ageSum = 0;
      let dirty = 0;
      let evicted = 0;
      for (const s of window) {
        ageSum += s.age;
        if (s.dirty) dirty++;
        if (s.evicted) evicted++;
      }
      const a = after[cls]!;
      const b = this.before[cls]!;
      if (a.evicted > b.evicted || a.outofmemory > b.outofmemory) slot.evicted = slot.dirty = true;
      if (a.pages > b.pages) slot.dirty = true;
      const coldTail = this.lru.queues[cls]![2]!.tail;
      slot.age = coldTail === null ? 0 : now - coldTail.time;
      const age = Math.floor(ageSum / size);
      const c = this.slabs.classes[cls]!;
      if (c.free.length > c.perPage * RECLAIM_FREE_PAGES && dirty === 0) {
        src = cls;
        dst = 0;
        break;
      }
      if (age > oldestAge && c.pages.length > SOURCE_MIN_PAGES) {
        oldest = cls;
        oldestAge = age;
      }
      if (age < youngestAge && evicted > Math.floor(size / 2)) {
        youngest = cls;
        youngestAge = age;
        youngestEvicting = slot.evicted;
      }
    }
    this.before = after;
    if (youngest !== -1 && oldest !== -1 && this.cursor > size) {
      if (youngestAge < oldestAge * this.settings.slabAutomoveRatio && youngestEvicting) {
        src = oldest;
        dst = youngest;
      }
    }
    return src !== -1 && dst !== -1 ? [src, dst] : null;
  }
}
