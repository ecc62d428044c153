// What XREADGROUP, XCLAIM and XAUTOCLAIM change in a consumer group's pending entries, staged while the
// command runs in slices and put in place at its end in one turn: a replica on this thread holds the very
// same group object, and must never see a read or a claim half made. A few changes go into the live maps;
// many (a million entries read or claimed) go into copies of the maps, made a step at a time, which then
// take the live maps' place. The entries themselves are new objects, since the live ones are shared too.
import { type Consumer, type ConsumerGroup, type PendingEntry, type StreamId } from '../types/stream.ts';
import type { Steps } from '../../slices.ts';

/** Up to this many changes are made in the live maps at the end (a few ms); more are made in copies. */
const IN_PLACE = 2048;
/** Map entries copied per step. */
const COPIED_PER_STEP = 256;

export class PelEdit {
  /** Id text -> the entry as it will be, or null once dropped. */
  private readonly changes = new Map<string, PendingEntry | null>();
  /** The group's last delivered id and read counter as the command leaves them. */
  lastId: StreamId;
  entriesRead: bigint;
  /** Whether any entry goes to the target (which is then made, if the command creates it). */
  private gives = false;

  /** `target`: the consumer the command gives entries to. */
  constructor(
    readonly g: ConsumerGroup,
    readonly target: string,
  ) {
    this.lastId = g.lastId;
    this.entriesRead = g.entriesRead;
  }

  /** The pending entry of `key` as the command sees it so far. */
  get(key: string): PendingEntry | undefined {
    const p = this.changes.get(key);
    return p === undefined ? this.g.pending.get(key) : (p ?? undefined);
  }

  /** Entry `id` pending for the target consumer, delivered at `at`, `deliveries` times. */
  give(id: StreamId, key: string, at: number, deliveries: number): void {
    this.changes.set(key, { id, consumer: this.target, deliveredAt: at, deliveries });
    this.gives = true;
  }

  drop(key: string): void {
    this.changes.set(key, null);
  }

  get size(): number {
    return this.changes.size;
  }

  /** The entries pending for the target consumer as the command sees them so far, in no order. */
  *targetEntries(): Generator<PendingEntry> {
    const name = this.target;
    const live = this.g.consumers.get(name)?.pending;
    if (live !== undefined) {
      for (const [k, p] of live) {
        const now = this.changes.get(k);
        if (now === undefined) yield p;
        else if (now !== null && now.consumer === name) yield now;
      }
    }
    for (const [k, now] of this.changes) if (now !== null && now.consumer === name && live?.has(k) !== true) yield now;
  }

  /**
   * Makes the change ready, a bounded piece per step; the function it ends with puts it in place in
   * one turn, `target` giving the target consumer (made then if the command creates it).
   */
  *prepare(): Steps<(target: () => Consumer) => void> {
    const { g, changes } = this;
    const finish = () => {
      g.lastId = this.lastId;
      g.entriesRead = this.entriesRead;
    };
    if (changes.size <= IN_PLACE) {
      return (target) => {
        const to = this.gives ? target() : null;
        for (const [k, now] of changes) {
          const was = g.pending.get(k);
          if (was !== undefined && (now === null || was.consumer !== now.consumer)) g.consumers.get(was.consumer)?.pending.delete(k);
          if (now === null) g.pending.delete(k);
          else {
            g.pending.set(k, now);
            to?.pending.set(k, now);
          }
        }
        finish();
      };
    }
    const touched = new Set<string>(this.gives ? [this.target] : []);
    let n = 0;
    for (const k of changes.keys()) {
      const was = g.pending.get(k);
      if (was !== undefined) touched.add(was.consumer);
      if (++n % COPIED_PER_STEP === 0) yield;
    }
    const pending = yield* this.copied(g.pending, () => true);
    const maps = new Map<string, Map<string, PendingEntry>>();
    for (const name of touched) maps.set(name, yield* this.copied(g.consumers.get(name)?.pending ?? new Map(), (p) => p.consumer === name));
    return (target) => {
      g.pending = pending;
      for (const [name, m] of maps) {
        const cons = name === this.target ? target() : g.consumers.get(name);
        if (cons !== undefined) cons.pending = m;
      }
      finish();
    };
  }

  /** A copy of `live` with the changes made, keeping only the changed entries `mine` accepts. */
  private *copied(live: Map<string, PendingEntry>, mine: (p: PendingEntry) => boolean): Steps<Map<string, PendingEntry>> {
    const out = new Map<string, PendingEntry>();
    let n = 0;
    for (const [k, p] of live) {
      const now = this.changes.get(k);
      if (now === undefined) out.set(k, p);
      else if (now !== null && mine(now)) out.set(k, now);
      if (++n % COPIED_PER_STEP === 0) yield;
    }
    for (const [k, now] of this.changes) {
      if (now !== null && mine(now) && !live.has(k)) out.set(k, now);
      if (++n % COPIED_PER_STEP === 0) yield;
    }
    return out;
  }
}
