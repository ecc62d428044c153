// Stream entries in ID order plus consumer groups; IDs are (ms, seq) pairs of non-negative integers.

export interface StreamId {
  ms: bigint;
  seq: bigint;
}

export interface StreamEntry {
  id: StreamId;
  fields: string[];
}

export interface PendingEntry {
  id: StreamId;
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

export interface Consumer {
  name: string;
  seenAt: number;
  activeAt: number;
  pending: Map<string, PendingEntry>;
}

export interface ConsumerGroup {
  name: string;
  lastId: StreamId;
  entriesRead: number;
  pending: Map<string, PendingEntry>;
  consumers: Map<string, Consumer>;
}

export function idText(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

export function cmpId(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export class Stream {
  entries: StreamEntry[] = [];
  lastId: StreamId = { ms: 0n, seq: 0n };
  maxDeletedId: StreamId = { ms: 0n, seq: 0n };
  entriesAdded = 0;
  readonly groups = new Map<string, ConsumerGroup>();

  get length(): number {
    return this.entries.length;
  }

  /** Index of the first entry with id >= `id`. */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmpId((this.entries[mid] as StreamEntry).id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  find(id: StreamId): StreamEntry | null {
    const i = this.lowerBound(id);
    const e = this.entries[i];
    return e !== undefined && cmpId(e.id, id) === 0 ? e : null;
  }

  memoryEstimate(): number {
    let total = 0;
    const n = Math.min(5, this.entries.length);
    for (let i = 0; i < n; i++) for (const f of (this.entries[i] as StreamEntry).fields) total += f.length + 8;
    return n === 0 ? 64 : Math.round((total / n) * this.entries.length) + 64;
  }
}
