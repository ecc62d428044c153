// A list's elements (a Deque) and the quicklist nodes redis-server 7.0 would hold them in after the same
// commands. Where a node ends depends on the list's history, not only on its elements: LPUSH fills the
// head node and RPUSH the tail one, LINSERT into a full node splits it and merges the pieces with their
// neighbours, LREM and LTRIM empty nodes without merging, LSET grows a node in place. DUMP, snapshots,
// DEBUG OBJECT (ql_nodes, serializedlength) and MEMORY USAGE read these nodes, so each operation below
// follows quicklist.c's rule for it: _quicklistNodeAllowInsert, _quicklistNodeAllowMerge,
// _quicklistInsert, _quicklistMergeNodes, quicklistDelIndex/DelRange, quicklistReplaceEntry.
// A node keeps its element count and its listpack's byte size (lpBytes), which is all those rules read.
import { Deque } from './deque.ts';
import { lpEntrySize } from './listpack-size.ts';
import { OPTIMIZATION_LEVEL, SIZE_SAFETY_LIMIT, quicklistAllowInsert } from '../rdb/quicklist-fill.ts';

export interface QuicklistNode {
  count: number;
  /** lpBytes of a packed node; the element's length for a plain one. */
  bytes: number;
  /** A node of one element at or past the packed threshold, stored as is (QUICKLIST_NODE_CONTAINER_PLAIN). */
  plain: boolean;
}

/** DEBUG QUICKLIST-PACKED-THRESHOLD's setting: elements this long or longer get a plain node of their own. */
export interface PackedThreshold {
  bytes: number;
}

export const DEFAULT_PACKED_THRESHOLD = 1 << 30;
const DEFAULT_THRESHOLD: PackedThreshold = { bytes: DEFAULT_PACKED_THRESHOLD };

/** lpNew: a 6-byte header and the end byte. */
const EMPTY_LISTPACK = 7;

export interface QuicklistOptions {
  /** list-max-listpack-size as quicklistSetFill clamps it. */
  fill: number;
  /** list-compress-depth. */
  depth: number;
  packed: PackedThreshold;
}

export const DEFAULT_QUICKLIST: Readonly<QuicklistOptions> = { fill: -2, depth: 0, packed: DEFAULT_THRESHOLD };

const packedNode = (v: string): QuicklistNode => ({ count: 1, bytes: EMPTY_LISTPACK + lpEntrySize(v), plain: false });
const plainNode = (v: string): QuicklistNode => ({ count: 1, bytes: v.length, plain: true });

export class Quicklist extends Deque<string> {
  nodes: QuicklistNode[] = [];
  readonly fill: number;
  readonly depth: number;
  readonly packed: PackedThreshold;

  constructor(o: Readonly<QuicklistOptions> = DEFAULT_QUICKLIST) {
    super();
    this.fill = o.fill;
    this.depth = o.depth;
    this.packed = o.packed;
  }

  get options(): QuicklistOptions {
    return { fill: this.fill, depth: this.depth, packed: this.packed };
  }

  private large(v: string): boolean {
    return v.length >= this.packed.bytes;
  }

  private allowInsert(node: QuicklistNode | undefined, len: number): boolean {
    if (node === undefined || node.plain || len >= this.packed.bytes) return false;
    return quicklistAllowInsert(this.fill, node.bytes, node.count, len);
  }

  private allowMerge(a: QuicklistNode | undefined, b: QuicklistNode | undefined): boolean {
    if (a === undefined || b === undefined || a.plain || b.plain) return false;
    // quicklist.c's estimate takes 11 bytes off for the header and end byte the merge drops (7 in fact).
    const merged = a.bytes + b.bytes - 11;
    if (this.fill < 0) return merged <= (OPTIMIZATION_LEVEL[-this.fill - 1] as number);
    return merged <= SIZE_SAFETY_LIMIT && a.count + b.count <= this.fill;
  }

  override pushBack(v: string): void {
    super.pushBack(v);
    const nodes = this.nodes;
    const last = nodes[nodes.length - 1];
    if (this.large(v)) nodes.push(plainNode(v));
    else if (last !== undefined && this.allowInsert(last, v.length)) {
      last.count++;
      last.bytes += lpEntrySize(v);
    } else nodes.push(packedNode(v));
  }

  override pushFront(v: string): void {
    super.pushFront(v);
    const first = this.nodes[0];
    if (this.large(v)) this.nodes.unshift(plainNode(v));
    else if (first !== undefined && this.allowInsert(first, v.length)) {
      first.count++;
      first.bytes += lpEntrySize(v);
    } else this.nodes.unshift(packedNode(v));
  }

  override popFront(): string | undefined {
    const v = super.popFront();
    if (v !== undefined) this.dropFrom(0, v);
    return v;
  }

  override popBack(): string | undefined {
    const v = super.popBack();
    if (v !== undefined) this.dropFrom(this.nodes.length - 1, v);
    return v;
  }

  /** quicklistDelIndex: node k loses element v; an emptied node goes. */
  private dropFrom(k: number, v: string): void {
    const node = this.nodes[k] as QuicklistNode;
    if (--node.count === 0) this.nodes.splice(k, 1);
    else node.bytes -= lpEntrySize(v);
  }

  /** The node holding element i and i's offset in it. */
  private locate(i: number): { k: number; off: number } {
    const nodes = this.nodes;
    if (i < this.length / 2) {
      let start = 0;
      for (let k = 0; k < nodes.length; k++) {
        const n = (nodes[k] as QuicklistNode).count;
        if (i < start + n) return { k, off: i - start };
        start += n;
      }
    } else {
      let end = this.length;
      for (let k = nodes.length - 1; k >= 0; k--) {
        const n = (nodes[k] as QuicklistNode).count;
        if (i >= end - n) return { k, off: i - (end - n) };
        end -= n;
      }
    }
    throw new Error(`quicklist: element ${i} past the nodes`);
  }

  private startOf(k: number): number {
    let s = 0;
    for (let j = 0; j < k; j++) s += (this.nodes[j] as QuicklistNode).count;
    return s;
  }

  /** Listpack bytes of elements [from, to) as they lie in the deque. */
  private bytesOf(from: number, to: number): number {
    let b = EMPTY_LISTPACK;
    for (let i = from; i < to; i++) b += lpEntrySize(this.get(i) as string);
    return b;
  }

  /**
   * _quicklistSplitNode: node k splits at off. `after`: k keeps [0, off] and the returned node holds the
   * rest; otherwise the returned node holds [0, off) and k keeps the rest. The new node is not placed.
   */
  private split(k: number, off: number, after: boolean): QuicklistNode {
    const node = this.nodes[k] as QuicklistNode;
    const start = this.startOf(k);
    const headCount = after ? off + 1 : off;
    const headBytes = this.bytesOf(start, start + headCount);
    const tail = { count: node.count - headCount, bytes: node.bytes - headBytes + EMPTY_LISTPACK, plain: false };
    const head = { count: headCount, bytes: headBytes, plain: false };
    if (after) {
      this.nodes[k] = head;
      return tail;
    }
    this.nodes[k] = tail;
    return head;
  }

  /** lpMerge of nodes k and k+1 into one. */
  private merge(k: number): void {
    const a = this.nodes[k] as QuicklistNode;
    const b = this.nodes[k + 1] as QuicklistNode;
    this.nodes[k] = { count: a.count + b.count, bytes: a.bytes + b.bytes - EMPTY_LISTPACK, plain: false };
    this.nodes.splice(k + 1, 1);
  }

  /** _quicklistMergeNodes around node c: its two neighbours on each side, then c with each side. */
  private mergeAround(c: number): void {
    const nodes = this.nodes;
    if (c >= 2 && this.allowMerge(nodes[c - 1], nodes[c - 2])) {
      this.merge(c - 2);
      c--;
    }
    if (this.allowMerge(nodes[c + 1], nodes[c + 2])) this.merge(c + 1);
    let target = c;
    if (c >= 1 && this.allowMerge(nodes[c], nodes[c - 1])) {
      this.merge(c - 1);
      target = c - 1;
    }
    if (this.allowMerge(nodes[target], nodes[target + 1])) this.merge(target);
  }

  /** _quicklistInsert's node bookkeeping for v placed after (or before) offset off of node k; the deque is not touched. */
  private insertShape(k: number, off: number, v: string, after: boolean): void {
    const nodes = this.nodes;
    const node = nodes[k] as QuicklistNode;
    const len = v.length;
    const full = !this.allowInsert(node, len);
    const atTail = after && off === node.count - 1;
    const atHead = !after && off === 0;
    if (this.large(v)) {
      if (node.plain || atTail || atHead) nodes.splice(after ? k + 1 : k, 0, plainNode(v));
      else {
        const rest = this.split(k, off, after);
        nodes.splice(after ? k + 1 : k, 0, ...(after ? [plainNode(v), rest] : [rest, plainNode(v)]));
      }
      return;
    }
    if (!full) {
      node.count++;
      node.bytes += lpEntrySize(v);
    } else if (atTail && this.allowInsert(nodes[k + 1], len)) {
      const next = nodes[k + 1] as QuicklistNode;
      next.count++;
      next.bytes += lpEntrySize(v);
    } else if (atHead && this.allowInsert(nodes[k - 1], len)) {
      const prev = nodes[k - 1] as QuicklistNode;
      prev.count++;
      prev.bytes += lpEntrySize(v);
    } else if (atTail || atHead) nodes.splice(after ? k + 1 : k, 0, packedNode(v));
    else {
      const rest = this.split(k, off, after);
      rest.count++;
      rest.bytes += lpEntrySize(v);
      nodes.splice(after ? k + 1 : k, 0, rest);
      this.mergeAround(after ? k : k + 1);
    }
  }

  /** LINSERT: v goes after (or before) element `pivot`. */
  insertAround(pivot: number, v: string, after: boolean): void {
    const { k, off } = this.locate(pivot);
    this.insertShape(k, off, v, after);
    super.insertAt(after ? pivot + 1 : pivot, v);
  }

  /** Without a pivot's side the node cannot be chosen as quicklist.c chooses it: the element before i is taken as the pivot. */
  override insertAt(i: number, v: string): void {
    if (i === 0) this.pushFront(v);
    else if (i === this.length) this.pushBack(v);
    else this.insertAround(i - 1, v, true);
  }

  /** LSET: quicklistReplaceEntry. */
  override set(i: number, v: string): void {
    const old = this.get(i) as string;
    const { k, off } = this.locate(i);
    const node = this.nodes[k] as QuicklistNode;
    const large = this.large(v);
    if (!node.plain && !large) node.bytes += lpEntrySize(v) - lpEntrySize(old);
    else if (node.plain && large) node.bytes = v.length;
    else if (node.plain) {
      // The new element goes in after the plain node, which then goes.
      this.insertShape(k, 0, v, true);
      this.nodes.splice(k, 1);
    } else {
      // A large element replacing a packed one: it is inserted after it, then the node's last element (the old one) goes.
      this.insertShape(k, off, v, true);
      this.dropFrom(k, old);
    }
    super.set(i, v);
  }

  override removeEqual(v: string, limit: number, fromBack: boolean): number {
    const gone: number[] = [];
    const n = this.length;
    for (let r = 0; r < n && gone.length < limit; r++) {
      const i = fromBack ? n - 1 - r : r;
      if (this.get(i) === v) gone.push(i);
    }
    if (gone.length === 0) return 0;
    if (fromBack) gone.reverse();
    // quicklistDelIndex for each: the node shrinks, an emptied node goes, nothing merges.
    const size = lpEntrySize(v);
    let k = 0;
    let end = (this.nodes[0] as QuicklistNode).count;
    const counts = this.nodes.map((x) => x.count);
    for (const i of gone) {
      while (i >= end) end += counts[++k] as number;
      const node = this.nodes[k] as QuicklistNode;
      node.count--;
      if (!node.plain) node.bytes -= size;
    }
    this.nodes = this.nodes.filter((x) => x.count > 0);
    return super.removeEqual(v, limit, fromBack);
  }

  /** LTRIM: quicklistDelRange from the head, then from the tail; emptied nodes go, nothing merges. */
  override keep(start: number, end: number): void {
    if (start > end) {
      this.reset([]);
      return;
    }
    this.cut(end + 1, this.length);
    this.cut(0, start);
    super.keep(start, end);
  }

  /** Takes elements [from, to) out of the nodes (the deque still holds them). */
  private cut(from: number, to: number): void {
    if (from >= to) return;
    let s = 0;
    const kept: QuicklistNode[] = [];
    for (const node of this.nodes) {
      const a = Math.max(from, s);
      const b = Math.min(to, s + node.count);
      s += node.count;
      if (a < b) {
        if (b - a === node.count) continue;
        if (!node.plain) node.bytes -= this.bytesOf(a, b) - EMPTY_LISTPACK;
        node.count -= b - a;
      }
      kept.push(node);
    }
    this.nodes = kept;
  }

  override reset(values: readonly string[]): void {
    super.refill([]);
    this.nodes = [];
    for (const v of values) this.pushBack(v);
  }

  /** A node as an RDB file holds it (quicklistAppendListpack / AppendPlainNode): an empty one is skipped. */
  appendNode(values: readonly string[], plain: boolean): void {
    if (values.length === 0) return;
    let bytes = plain ? 0 : EMPTY_LISTPACK;
    for (const v of values) {
      super.pushBack(v);
      bytes += plain ? v.length : lpEntrySize(v);
    }
    this.nodes.push({ count: values.length, bytes, plain });
  }

  override clone(): Quicklist {
    const q = new Quicklist(this);
    q.copyRing(this);
    q.nodes = this.nodes.map((n) => ({ ...n }));
    return q;
  }

  /** The elements of each node, head first, a node at a time. */
  *nodeSlices(): IterableIterator<{ node: QuicklistNode; start: number }> {
    let start = 0;
    for (const node of this.nodes) {
      yield { node, start };
      start += node.count;
    }
  }
}
