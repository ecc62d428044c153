// Clients' memory in used_memory and in the maxmemory decision, as redis-server's allocator counts
// query and output buffers among everything else. A running total: a client's share is settled only
// when its buffers may have changed (a read, a flush, a drained socket: the caller marks it) and the
// total is read, so a command pays a flag check, not a walk over every client.
import type { Client } from './client.ts';
import { clientMemory, outputMemory } from './client-memory.ts';
import type { Engine } from './engine.ts';

export class ClientMemoryTally {
  /** What eviction weighs. */
  counted = 0;
  /**
   * Replicas' output: in used_memory but not in what eviction weighs, as redis-server's
   * freeMemoryGetNotCountedMemory (INFO's mem_not_counted_for_evict), or evicting would grow it again.
   */
  aside = 0;
  /** Marked clients, the first `staleCount` of them (an array's length setter costs a runtime call per read). */
  private readonly stale: (Client | null)[] = [];
  private staleCount = 0;

  constructor(private readonly e: Engine) {}

  /** The client's buffers may have changed: its share is settled when the total is next read. */
  mark(c: Client): void {
    if (c.memStale) return;
    c.memStale = true;
    this.stale[this.staleCount++] = c;
  }

  /** Brings the total up to date with every marked client. */
  settle(): void {
    const n = this.staleCount;
    if (n === 0) return;
    // The time of the last read (or cron tick): it only tells an idle client's query buffer from a busy one's.
    const now = this.e.ks.accessNow;
    const list = this.stale;
    for (let i = 0; i < n; i++) {
      const c = list[i] as Client;
      list[i] = null;
      c.memStale = false;
      this.recount(c, now);
    }
    this.staleCount = 0;
  }

  /**
   * Every client, from the clients cron: what changes with time (an idle client's query buffer trimmed,
   * the reply buffer resized) or without an event (a socket that took the last of a small backlog).
   */
  recountAll(): void {
    this.settle();
    const now = this.e.clock.now();
    for (const c of this.e.clients.values()) this.recount(c, now);
  }

  /**
   * Replies the client's commands queued since its share was last counted. redis-server's allocator
   * counts a reply as it is added, and writes it only once the event loop turn ends: a pipeline's earlier
   * replies, and other clients' from the same turn, weigh in the eviction check before the next command.
   * Only the reply part moves, so this costs a comparison per command, not a recount.
   */
  noteOutput(c: Client): void {
    const out = c.w.pendingBytes;
    const delta = out - c.memOutput;
    // Uncounted clients (internal ones, gone ones) have no share; replicas' output is left aside.
    if (delta === 0 || c.memCounted === 0 || c.memAside !== 0) return;
    c.memOutput = out;
    c.memCounted += delta;
    this.counted += delta;
  }

  recount(c: Client, now: number): void {
    // Internal clients (a script's, a replication link's) are not connections: never counted.
    if (c.closed || this.e.clients.get(c.id) !== c) return;
    const mem = clientMemory(c, now);
    c.memOutput = c.w.pendingBytes;
    const aside = this.e.feed !== null && this.e.feed.has(c) ? outputMemory(c) : 0;
    this.counted += mem - aside - (c.memCounted - c.memAside);
    this.aside += aside - c.memAside;
    c.memCounted = mem;
    c.memAside = aside;
  }

  /** The client is gone, and its memory with it. */
  forget(c: Client): void {
    this.counted -= c.memCounted - c.memAside;
    this.aside -= c.memAside;
    c.memCounted = c.memAside = c.memOutput = 0;
  }
}
