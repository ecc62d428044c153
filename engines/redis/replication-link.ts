// A replica's link held back by the emulator's fault API, and how each side then reports it. The
// figures follow redis-server 7.0 when the network between a primary and its replica fails or slows:
// - cut: nothing reaches the replica and no REPLCONF ACK comes back. The primary keeps listing the
//   replica with its last acknowledged offset and a growing lag until its repl-timeout, then drops it;
//   the replica keeps its link "up" with master_last_io_seconds_ago growing until its own repl-timeout,
//   then reports it down (master_link_down_since_seconds).
// - delayed: the stream arrives `delayMs` late. The replica still acknowledges every second what it
//   has applied, so the primary's lag stays at 0 and the gap shows in the acknowledged offset.

import type { KeyEvent } from './replica-events.ts';

/** Changes held back: the primary's offset once they are applied, their keys (null: everything), and the events the replica then announces. */
interface Delivery {
  due: number;
  offset: number;
  keys: Map<string, [number, string]> | null;
  events: KeyEvent[];
}

export class LinkFault {
  private readonly queue: Delivery[] = [];
  timer: NodeJS.Timeout | null = null;
  /** When the stream last brought the replica something (or when the fault began). */
  lastDelivery: number;
  /** Estimated bytes of the events held; past the primary's backlog they are dropped (a full resync announces nothing). */
  private eventBytes = 0;

  /** delayMs null: the link is cut. */
  constructor(
    readonly delayMs: number | null,
    readonly since: number,
  ) {
    this.lastDelivery = since;
  }

  /** Holds back changes that bring the primary to `offset`. */
  push(now: number, offset: number, keys: [number, string][] | null): void {
    // A cut link delivers nothing until it is restored, so everything merges into one catch-up.
    const due = this.delayMs === null ? Infinity : now + this.delayMs;
    let last = this.queue[this.queue.length - 1];
    if (last === undefined || last.due !== due) this.queue.push((last = { due, offset, keys: new Map(), events: [] }));
    last.offset = offset;
    if (keys === null) last.keys = null;
    else if (last.keys !== null) for (const [db, key] of keys) last.keys.set(`${db}\0${key}`, [db, key]);
  }

  /**
   * Holds back events (and relayed PUBLISH messages) of this turn: they arrive with the writes pushed
   * before them, or, with none pending, as the link brings anything now. A cut link keeps `limit` bytes at most.
   */
  pushEvents(now: number, offset: number, events: readonly KeyEvent[], limit: number): void {
    const due = this.delayMs === null ? Infinity : now + this.delayMs;
    let last = this.queue[this.queue.length - 1];
    if (last === undefined || last.due < due - 1) this.queue.push((last = { due, offset, keys: new Map(), events: [] }));
    for (const ev of events) {
      this.eventBytes += ev[2].length + ev[3].length + 32;
      last.events.push(ev);
    }
    if (this.delayMs === null && this.eventBytes > limit) {
      for (const d of this.queue) d.events = [];
      this.eventBytes = Infinity;
    }
  }

  /** When the next held-back change is due, or null when none is (or the link is cut). */
  nextDue(): number | null {
    const head = this.queue[0];
    return head === undefined || head.due === Infinity ? null : head.due;
  }

  /** Takes the changes due by `now` (all of them with Infinity), merged: keys to copy, or null for everything. */
  take(now: number): { offset: number; keys: Iterable<[number, string]> | null; events: KeyEvent[] } | null {
    let offset = -1;
    let keys: Map<string, [number, string]> | null = new Map();
    const events: KeyEvent[] = [];
    while (this.queue.length !== 0 && (this.queue[0] as Delivery).due <= now) {
      const d = this.queue.shift() as Delivery;
      offset = d.offset;
      for (const ev of d.events) events.push(ev);
      if (d.keys === null) keys = null;
      else if (keys !== null) for (const [k, v] of d.keys) keys.set(k, v);
    }
    if (offset < 0) return null;
    if (this.queue.length === 0) this.eventBytes = 0;
    return { offset, keys: keys === null ? null : keys.values(), events };
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** What the primary shows of one replica (INFO's slaveN line, ROLE, WAIT). */
export interface ReplicaAck {
  offset: number;
  /** Seconds since its last REPLCONF ACK. */
  lag: number;
}

/** The primary's view of a replica, or null once a cut outlasted the primary's repl-timeout (it dropped the replica). */
export function ackOf(replicaOffset: number, fault: LinkFault | undefined, now: number, timeoutSeconds: number): ReplicaAck | null {
  if (fault === undefined || fault.delayMs !== null) return { offset: replicaOffset, lag: 0 };
  const silentMs = now - fault.since;
  if (silentMs > timeoutSeconds * 1000) return null;
  return { offset: replicaOffset, lag: Math.floor(silentMs / 1000) };
}

/** How a replica reports its link (INFO replication, ROLE). */
export interface LinkView {
  up: boolean;
  lastIoSeconds: number;
  /** master_link_down_since_seconds, shown only while the link is down. */
  downSeconds: number;
}

/**
 * The replica's view. `downAt` is when the link went away for good (the primary stopped), 0 if unknown.
 * A delayed link still brings the primary's pings, every `pingSeconds`, so the last I/O is never older.
 */
export function linkViewOf(
  linkUp: boolean,
  downAt: number,
  fault: LinkFault | undefined,
  now: number,
  timeoutSeconds: number,
  pingSeconds: number,
): LinkView {
  if (!linkUp) return { up: false, lastIoSeconds: -1, downSeconds: downAt > 0 ? Math.floor((now - downAt) / 1000) : -1 };
  if (fault === undefined) return { up: true, lastIoSeconds: 0, downSeconds: -1 };
  if (fault.delayMs !== null) {
    return { up: true, lastIoSeconds: Math.min(Math.floor((now - fault.lastDelivery) / 1000), pingSeconds), downSeconds: -1 };
  }
  const silentMs = now - fault.since;
  if (silentMs <= timeoutSeconds * 1000) return { up: true, lastIoSeconds: Math.floor(silentMs / 1000), downSeconds: -1 };
  return { up: false, lastIoSeconds: -1, downSeconds: Math.floor((silentMs - timeoutSeconds * 1000) / 1000) };
}
