// Stream entries in ID order plus consumer groups; IDs are (ms, seq) pairs of non-negative integers.
// Redis keeps entries in listpack "macro nodes" of a radix tree, and several replies depend on that
// layout (approximate trimming removes whole nodes only, XINFO reports the tree's size), so the node
// each entry landed in is tracked here, sized with listpack's encoding rules.

export interface StreamId {
  ms: bigint;
  seq: bigint;
}

export interface StreamEntry {
  id: StreamId;
  fields: string[];
  node?: StreamNode;
  /** Flagged deleted in its node's listpack, where it stays until the whole node goes. */
  deleted?: boolean;
}

/** One listpack macro node: its master entry and what it holds, deleted entries included. */
export interface StreamNode {
  master: StreamId;
  masterFields: string[];
  live: number;
  deleted: number;
  /** ID of the last entry appended (deleted or not): MINID trimming reads it. */
  last: StreamId;
  /** Listpack bytes apart from the two counters at its head. */
  bytesBase: number;
  /** Every entry appended to the node, deleted ones included: DUMP writes them all, as Redis does. */
  items: StreamEntry[];
  /** lpNew's capacity when XADD made the node (a loaded or copied listpack is allocated at its size). */
  prealloc?: number;
}

export interface NodeLimits {
  maxBytes: number;
  maxEntries: number;
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
  /** A long long in redis-server: exact past 2^53, wrapping as int64. */
  entriesRead: bigint;
  pending: Map<string, PendingEntry>;
  consumers: Map<string, Consumer>;
}

export const U64_MAX = (1n << 64n) - 1n;
export const ZERO_ID: StreamId = { ms: 0n, seq: 0n };
export const MAX_ID: StreamId = { ms: U64_MAX, seq: U64_MAX };
/** SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const INVALID_ENTRIES_READ = -1n;
const LISTPACK_MAX_SIZE = 1 << 30;
/** Trimmed entries left at the front of Stream's array before it may be cut (about 0.5 MB of slots). */
const HEAD_SLACK = 65536;

export function idText(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

export function cmpId(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export function isZeroId(id: StreamId): boolean {
  return id.ms === 0n && id.seq === 0n;
}

export function incrId(id: StreamId): StreamId | null {
  if (id.seq < U64_MAX) return { ms: id.ms, seq: id.seq + 1n };
  if (id.ms < U64_MAX) return { ms: id.ms + 1n, seq: 0n };
  return null;
}

export function decrId(id: StreamId): StreamId | null {
  if (id.seq > 0n) return { ms: id.ms, seq: id.seq - 1n };
  if (id.ms > 0n) return { ms: id.ms - 1n, seq: U64_MAX };
  return null;
}

// --- listpack sizes ---

function intEncodedSize(v: bigint): number {
  if (v >= 0n && v <= 127n) return 1;
  if (v >= -4096n && v <= 4095n) return 2;
  if (v >= -32768n && v <= 32767n) return 3;
  if (v >= -8388608n && v <= 8388607n) return 4;
  if (v >= -2147483648n && v <= 2147483647n) return 5;
  return 9;
}

function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** A uint64 difference as listpack stores it: cast to int64. */
function asI64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

function intElementSize(v: bigint): number {
  return intEncodedSize(v) + 1;
}

const LP_INT_RE = /^(?:0|-?[1-9][0-9]{0,19})$/;

/** listpack stores strings that read back as int64 (string2ll rules) as integers. */
function stringElementSize(s: string): number {
  if (s.length > 0 && s.length < 21 && LP_INT_RE.test(s)) {
    const v = BigInt(s);
    if (v >= -(1n << 63n) && v < 1n << 63n) return intElementSize(v);
  }
  const n = s.length;
  const enc = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return enc + backlenSize(enc);
}

export function nodeBytes(n: StreamNode): number {
  return n.bytesBase + intElementSize(BigInt(n.live)) + intElementSize(BigInt(n.deleted));
}

/**
 * How many entries each node holds when `entries` are appended by XADD one by one under `limits`
 * (streamAppendItem's rule): the RDB writer lays out a stream whose own nodes are not known (one
 * just loaded) with it, so DEBUG OBJECT and DUMP see the nodes redis-server kept.
 */
export function appendedNodeCounts(entries: readonly { id: StreamId; fields: string[] }[], limits: NodeLimits): number[] {
  const s = new Stream();
  s.entries = entries.map((e) => ({ id: e.id, fields: e.fields }));
  return s.nodes(limits).map((n) => n.items.length);
}

export class Stream {
  /**
   * Entries, the first `head` of them already trimmed away: XADD MAXLEN ~ on a stream of 1M entries drops
   * a node from the front every ~100 writes, and cutting the array each time moved all of it (an 8 MB
   * move, 3.6 ms; redis-server drops a rax node in O(1)). Trimmed slots are emptied at once (their entries
   * are garbage then), and the front is cut once it is HEAD_SLACK slots and as long as the live rest, so a
   * cut moves no more slots than were trimmed since the last one (cutting at a fixed 65536 moved a 1M
   * stream's every slot each ~650 writes, 5 us a write), or when anything other than the write path
   * reads `list`.
   */
  private buf: StreamEntry[] = [];
  private head = 0;

  /** The live entries as one array (cuts the dead front first). */
  private get list(): StreamEntry[] {
    if (this.head !== 0) this.cutHead();
    return this.buf;
  }

  private set list(v: StreamEntry[]) {
    this.buf = v;
    this.head = 0;
  }

  private cutHead(): void {
    this.buf.splice(0, this.head);
    this.head = 0;
  }
  private nodeList: StreamNode[] | null = [];
  lastId: StreamId = { ms: 0n, seq: 0n };
  maxDeletedId: StreamId = { ms: 0n, seq: 0n };
  /** A uint64_t in redis-server (XSETID sets it up to int64 max, XADD counts on past it). */
  entriesAdded = 0n;
  readonly groups = new Map<string, ConsumerGroup>();
  /**
   * Whether the last append or trim set C's errno to 0 in redis-server (a later SORT reads it): a new
   * node's insert into the radix tree, raxNext running off its end, or raxInsert over an existing key
   * (a node trimmed inside), which returns with errno 0.
   */
  errnoCleared = false;
  /**
   * Whether redis-server holds a consumer groups radix tree for the stream: made with the first group
   * and kept when every group is destroyed (walks over it still end off the tree and clear errno),
   * but a save and load or a copy of a stream without groups has none.
   */
  groupsTree = false;

  /** Live entries in ID order. Assigning them (loads, copies) rebuilds the node layout on demand. */
  get entries(): StreamEntry[] {
    return this.list;
  }

  set entries(v: StreamEntry[]) {
    this.list = v;
    this.nodeList = null;
  }

  get length(): number {
    return this.buf.length - this.head;
  }

  get firstId(): StreamId {
    return this.buf[this.head]?.id ?? ZERO_ID;
  }

  /** The node layout if one is known (not after a load or copy until `nodes` lays it out again). */
  get layout(): readonly StreamNode[] | null {
    return this.nodeList;
  }

  nodes(limits: NodeLimits): StreamNode[] {
    if (this.nodeList === null) {
      this.nodeList = [];
      for (const e of this.list) this.place(e, limits);
    }
    return this.nodeList;
  }

  /** Index of the first entry with id >= `id`. */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmpId((this.list[mid] as StreamEntry).id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first entry with id > `id`. */
  upperBound(id: StreamId): number {
    const next = incrId(id);
    return next === null ? this.list.length : this.lowerBound(next);
  }

  find(id: StreamId): StreamEntry | null {
    const i = this.lowerBound(id);
    const e = this.list[i];
    return e !== undefined && cmpId(e.id, id) === 0 ? e : null;
  }

  /** Appends an entry whose ID is above every other; counts it as added. */
  append(id: StreamId, fields: string[], limits: NodeLimits): StreamEntry {
    const nodes = this.nodes(limits);
    const before = nodes.length;
    const e: StreamEntry = { id, fields };
    this.place(e, limits);
    this.errnoCleared = nodes.length > before;
    // STREAM_LISTPACK_MAX_PRE_ALLOCATE, or stream-node-max-bytes when smaller.
    if (nodes.length > before) (nodes[before] as StreamNode).prealloc = limits.maxBytes > 0 && limits.maxBytes < 4096 ? limits.maxBytes : 4096;
    this.buf.push(e);
    this.lastId = id;
    this.entriesAdded = BigInt.asUintN(64, this.entriesAdded + 1n);
    return e;
  }

  /** streamAppendItem's choice between the tail node and a new one, and the bytes the entry adds. */
  private place(e: StreamEntry, limits: NodeLimits): void {
    const nodes = this.nodeList as StreamNode[];
    let node: StreamNode | undefined = nodes[nodes.length - 1];
    const numFields = e.fields.length / 2;
    if (node !== undefined) {
      let totelelen = 0;
      for (const f of e.fields) totelelen += f.length;
      const maxBytes = limits.maxBytes === 0 || limits.maxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : limits.maxBytes;
      if (nodeBytes(node) + totelelen >= maxBytes || (limits.maxEntries > 0 && node.live + node.deleted >= limits.maxEntries)) {
        // lpShrinkToFit: a node that is closed gives its spare capacity back.
        node.prealloc = undefined;
        node = undefined;
      }
    }
    if (node === undefined) {
      const masterFields: string[] = [];
      for (let i = 0; i < e.fields.length; i += 2) masterFields.push(e.fields[i] as string);
      // header + end byte, field count, master fields, the master entry's zero terminator
      let bytes = 7 + intElementSize(BigInt(numFields)) + 2;
      for (const f of masterFields) bytes += stringElementSize(f);
      node = { master: e.id, masterFields, live: 0, deleted: 0, last: e.id, bytesBase: bytes, items: [] };
      nodes.push(node);
    }
    let same = numFields === node.masterFields.length;
    for (let i = 0; same && i < numFields; i++) if (e.fields[i * 2] !== node.masterFields[i]) same = false;
    let bytes = intElementSize(same ? 2n : 0n) + intElementSize(asI64(e.id.ms - node.master.ms)) + intElementSize(asI64(e.id.seq - node.master.seq));
    if (!same) bytes += intElementSize(BigInt(numFields));
    for (let i = 0; i < e.fields.length; i++) if (!same || i % 2 === 1) bytes += stringElementSize(e.fields[i] as string);
    bytes += intElementSize(BigInt(numFields + 3 + (same ? 0 : numFields + 1)));
    node.bytesBase += bytes;
    node.live++;
    node.last = e.id;
    node.items.push(e);
    e.node = node;
  }

  /**
   * XDEL of the entries at ascending, distinct indexes `at`: a node whose last live entry goes is dropped,
   * as streamIteratorRemoveEntry does. Many are cut out in one pass over the array: one splice each made
   * XDEL of 100k ids in a 1M stream hold every node for 53 s.
   */
  deleteAll(at: readonly number[], limits: NodeLimits): void {
    const nodes = this.nodes(limits);
    const list = this.list;
    const dropped = new Set<StreamNode>();
    for (const i of at) {
      const e = list[i] as StreamEntry;
      const node = e.node as StreamNode;
      if (node.live === 1) dropped.add(node);
      else {
        node.live--;
        node.deleted++;
        e.deleted = true;
      }
    }
    if (at.length <= 16) for (let k = at.length - 1; k >= 0; k--) list.splice(at[k] as number, 1);
    else {
      let w = 0;
      let next = 0;
      for (let r = 0; r < list.length; r++) {
        if (r === at[next]) next++;
        else list[w++] = list[r] as StreamEntry;
      }
      list.length = w;
    }
    if (dropped.size === 1) nodes.splice(nodes.indexOf([...dropped][0] as StreamNode), 1);
    else if (dropped.size > 1) this.nodeList = nodes.filter((n) => !dropped.has(n));
  }

  /** streamTrim: whole nodes from the head while allowed, then (unless approximate) entries inside one node. */
  trim(t: { maxlen: bigint | null; minId: StreamId; approx: boolean; limit: number }, limits: NodeLimits): number {
    const nodes = this.nodes(limits);
    let deleted = 0;
    let dropNodes = 0;
    let dropEntries = 0;
    const live = this.length;
    // The walk ends off the tree unless a check below stops it first.
    this.errnoCleared = true;
    for (const node of nodes) {
      const length = live - dropEntries;
      this.errnoCleared = false; // raxNext found a node
      if (t.maxlen !== null && BigInt(length) <= t.maxlen) break;
      if (t.limit > 0 && deleted + node.live > t.limit) break;
      const remove = t.maxlen !== null ? BigInt(length - node.live) >= t.maxlen : cmpId(node.last, t.minId) < 0;
      if (remove) {
        dropNodes++;
        dropEntries += node.live;
        deleted += node.live;
        this.errnoCleared = true; // raxNext for the next node, or off the end
        continue;
      }
      if (t.approx) break;
      let n = 0;
      while (dropEntries + n < live) {
        const e = this.buf[this.head + dropEntries + n] as StreamEntry;
        if (e.node !== node) break;
        if (t.maxlen !== null ? BigInt(live - dropEntries - n) <= t.maxlen : cmpId(e.id, t.minId) >= 0) break;
        e.deleted = true;
        n++;
      }
      node.live -= n;
      node.deleted += n;
      dropEntries += n;
      deleted += n;
      // The node goes back into the tree with raxInsert, which finds its key and sets errno to 0.
      this.errnoCleared = true;
      break;
    }
    if (dropNodes > 0) nodes.splice(0, dropNodes);
    if (dropEntries > 0) {
      this.buf.fill(undefined as unknown as StreamEntry, this.head, this.head + dropEntries);
      this.head += dropEntries;
      if (this.head === this.buf.length || (this.head >= HEAD_SLACK && this.head * 2 >= this.buf.length)) this.cutHead();
    }
    return deleted;
  }

  /** Nodes of the radix tree keyed by each macro node's 128-bit master ID (rax->numnodes). */
  raxNodeCount(limits: NodeLimits): number {
    const keys = this.nodes(limits).map((n) => {
      const b = Buffer.alloc(16);
      b.writeBigUInt64BE(n.master.ms, 0);
      b.writeBigUInt64BE(n.master.seq, 8);
      return b;
    });
    if (keys.length === 0) return 1;
    return countRax(keys, 0);
  }

  memoryEstimate(): number {
    let total = 0;
    const n = Math.min(5, this.length);
    for (let i = 0; i < n; i++) for (const f of (this.buf[this.head + i] as StreamEntry).fields) total += f.length + 8;
    return n === 0 ? 64 : Math.round((total / n) * this.length) + 64;
  }

  /** streamRangeHasTombstones with an open end: could an XDEL'd entry lie at or after `start`? */
  hasTombstonesFrom(start: StreamId): boolean {
    if (this.list.length === 0 || isZeroId(this.maxDeletedId)) return false;
    if (cmpId(this.firstId, this.maxDeletedId) > 0) return false;
    return cmpId(start, this.maxDeletedId) <= 0;
  }

  /** streamEstimateDistanceFromFirstEverEntry: the read counter of `id`, or -1 when it cannot be known. */
  estimateEntriesRead(id: StreamId): bigint {
    if (this.entriesAdded === 0n) return 0n;
    const added = BigInt.asIntN(64, this.entriesAdded);
    if (this.list.length === 0 && cmpId(id, this.lastId) < 1) return added;
    const cmpLast = cmpId(id, this.lastId);
    if (cmpLast === 0) return added;
    if (cmpLast > 0) return INVALID_ENTRIES_READ;
    const cmpFirst = cmpId(id, this.firstId);
    if (isZeroId(this.maxDeletedId) || cmpId(this.maxDeletedId, this.firstId) < 0) {
      if (cmpFirst < 0) return BigInt.asIntN(64, this.entriesAdded - BigInt(this.list.length));
      if (cmpFirst === 0) return BigInt.asIntN(64, this.entriesAdded - BigInt(this.list.length) + 1n);
    }
    return INVALID_ENTRIES_READ;
  }

  /** The lag XINFO reports for a group (long long arithmetic, wrapping), or null when it cannot be computed. */
  lagOf(g: ConsumerGroup): bigint | null {
    if (this.entriesAdded === 0n) return 0n;
    if (g.entriesRead !== INVALID_ENTRIES_READ && !this.hasTombstonesFrom(g.lastId)) return BigInt.asIntN(64, this.entriesAdded - g.entriesRead);
    const read = this.estimateEntriesRead(g.lastId);
    return read === INVALID_ENTRIES_READ ? null : BigInt.asIntN(64, this.entriesAdded - read);
  }
}

/** Node count of a compressed radix tree over equal-length keys, as rax lays it out. */
export function countRax(keys: Buffer[], depth: number): number {
  const len = (keys[0] as Buffer).length;
  if (depth === len) return 1;
  let common = 0;
  if (keys.length === 1) common = len - depth;
  else {
    const first = keys[0] as Buffer;
    const lastKey = keys[keys.length - 1] as Buffer;
    while (depth + common < len && first[depth + common] === lastKey[depth + common]) common++;
  }
  if (common > 0) return 1 + countRax(keys, depth + common);
  let total = 1;
  let i = 0;
  while (i < keys.length) {
    const byte = (keys[i] as Buffer)[depth];
    let j = i;
    while (j < keys.length && (keys[j] as Buffer)[depth] === byte) j++;
    total += countRax(keys.slice(i, j), depth + 1);
    i = j;
  }
  return total;
}
