// MEMORY USAGE as redis-server 7.0 (x86-64, jemalloc) computes it: objectComputeSize of the value,
// plus the key's sds allocation and its dictEntry (and the cluster's per-entry metadata). Every
// allocation is rounded to jemalloc's size class, and collections are sampled as Redis samples
// them (the first SAMPLES elements, averaged over all). Exact for strings, intsets, listpack
// hashes and sorted sets and lists (their own quicklist nodes, types/quicklist.ts); where Redis's figure
// depends on what we do not keep it is the figure of a typical history: hash tables sized as
// dict-size.ts settles them (a rehash's two tables exact right after it starts and once it surely
// ended, estimated between), hashtable elements sampled in insertion order (redis-server walks its
// buckets, whose order its random hash seed decides: equal only when the sampled elements are of one
// size, or with SAMPLES 0), skiplist nodes of level 1 (zslRandomLevel draws each node's level with
// random(): the sampled nodes are walked in score order, as here, but a node of level L takes
// jemalloc's class of 24 + 16 L bytes, so redis-server's figure is ours or more), a string grown in place with sds's spare
// room (sds-growth.ts), a value of 32 KB or more as SET stores it: in the buffer that read it. Streams: see stream-memory.ts.
// This is what a user reads; maxmemory and INFO's used_memory keep the engine's estimate (mem).
import type { RObj } from './objects.ts';
import { encodingOf } from './objects.ts';
import type { SplitMap } from './split-table.ts';
import type { NodeLimits } from '../types/stream.ts';
import { streamSize } from './stream-memory.ts';
import { grownSds } from './sds-growth.ts';
import { dictSlotsCounted } from './dict-size.ts';
import { lpEntrySize } from '../types/listpack-size.ts';
import type { Quicklist, QuicklistNode } from '../types/quicklist.ts';
import { ListpackBuilder } from '../rdb/listpack.ts';
import { lzfCompress } from '../rdb/lzf.ts';
import { PER_STEP, type Steps } from '../../slices.ts';

/** sizeof(robj): every value's object header. */
export const ROBJ = 16;
const DICT_ENTRY = 24;
const DICT = 56;
const QUICKLIST = 40;
const QUICKLIST_NODE = 40;
const ZSET = 16;
const ZSKIPLIST = 32;
/** zslCreate's header node: 24 bytes and 32 levels of 16. */
const ZSL_HEADER = 24 + 32 * 16;
/** clusterDictEntryMetadata: a key's slot list links (cluster mode only). */
const CLUSTER_ENTRY_METADATA = 16;
/** sizeof(quicklistLZF): the compressed length before the LZF bytes of a node list-compress-depth keeps compressed. */
const QUICKLIST_LZF = 8;
/** quicklist.c's MIN_COMPRESS_BYTES and MIN_COMPRESS_IMPROVE. */
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/** jemalloc's size class for n bytes: 8, then steps of 16 to 128, then four classes per doubling. */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/** sdsnewlen's header for a string of len bytes: the smallest that holds it (type 8 for an empty one). */
export const sdsHeader = (len: number): number => (len === 0 ? 3 : len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : len < 2 ** 32 ? 9 : 17);

/** sdsnewlen's allocation for a string of len bytes. */
export function sdsSize(len: number): number {
  return jemallocSize(sdsHeader(len) + len + 1);
}

/** PROTO_MBULK_BIG_ARG: an argument this long becomes the value in the query buffer that read it, made for its length and CRLF. */
export const BIG_ARG = 32 * 1024;

/** d2string of 7.0 (how a listpack stores a score): integers plainly, others with %.17g. */
function scoreString(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (!Number.isFinite(d)) return d > 0 ? 'inf' : '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && Math.abs(d) < 2 ** 63) return BigInt(d).toString();
  return g17(d);
}

function g17(d: number): string {
  const e = Math.floor(Math.log10(Math.abs(d)));
  if (e < -4 || e >= 17) {
    const [m, x] = d.toExponential(16).split('e') as [string, string];
    const exp = Number(x);
    return `${m.includes('.') ? m.replace(/\.?0+$/, '') : m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const f = d.toFixed(Math.max(0, 16 - e));
  return f.includes('.') ? f.replace(/\.?0+$/, '') : f;
}

/** A listpack's allocation: 6-byte header, the entries, the end byte. */
function listpackSize(entries: Iterable<string>): number {
  let n = 7;
  for (const s of entries) n += lpEntrySize(s);
  return jemallocSize(n);
}

/**
 * Redis's sampling: the average of the first `samples` element sizes times the count, truncated. SAMPLES 0
 * walks every element (a million in a big hash): in steps, so the event loop the other nodes share is
 * not held for the whole walk.
 */
function* sampled(base: number, items: Iterable<number>, count: number, samples: number, per = PER_STEP): Steps<number> {
  let total = 0;
  let k = 0;
  for (const size of items) {
    total += size;
    if (++k >= samples) break;
    if (k % per === 0) yield;
  }
  return k === 0 ? base : Math.trunc(base + (total / k) * count);
}

function* hashEntries(h: SplitMap<string>): Iterable<string> {
  for (const [f, v] of h) {
    yield f;
    yield v;
  }
}

function* zsetEntries(z: SplitMap<number>): Iterable<string> {
  for (const [m, s] of z) {
    yield m;
    yield scoreString(s);
  }
}

/** zmalloc_size of a quicklist node's data: its listpack (or plain element), or the LZF blob an interior node is kept as. */
function nodeAllocation(ql: Quicklist, node: QuicklistNode, start: number, index: number): number {
  const interior = ql.depth > 0 && index >= ql.depth && index < ql.nodes.length - ql.depth;
  if (!interior || node.bytes < MIN_COMPRESS_BYTES) return jemallocSize(node.bytes);
  let data: Buffer;
  if (node.plain) data = Buffer.from(ql.get(start) as string, 'latin1');
  else {
    const lp = new ListpackBuilder();
    for (let i = start; i < start + node.count; i++) lp.add(Buffer.from(ql.get(i) as string, 'latin1'));
    data = lp.finish();
  }
  const packed = lzfCompress(data, data.length - MIN_COMPRESS_IMPROVE - 1);
  return jemallocSize(packed === null ? node.bytes : QUICKLIST_LZF + packed.length);
}

/** The first `samples` nodes' sizes, head first, as objectComputeSize samples a quicklist. */
function* listNodes(ql: Quicklist, samples: number): Iterable<number> {
  let index = 0;
  for (const { node, start } of ql.nodeSlices()) {
    if (index >= samples) return;
    yield QUICKLIST_NODE + nodeAllocation(ql, node, start, index++);
  }
}

function* valueSize(o: RObj, samples: number, limits: NodeLimits): Steps<number> {
  switch (o.type) {
    case 'string': {
      const enc = encodingOf(o);
      if (enc === 'int') return ROBJ;
      if (enc === 'embstr') return jemallocSize(ROBJ + 3 + o.v.length + 1);
      const len = o.v.length;
      const grown = grownSds(o);
      if (grown !== null) return ROBJ + grown;
      if (o.enc === 'auto' && len >= BIG_ARG) return ROBJ + jemallocSize(sdsHeader(len + 2) + len + 3);
      return ROBJ + sdsSize(len);
    }
    case 'list':
      // A node may be LZF-compressed to size it: one node a step.
      return yield* sampled(ROBJ + QUICKLIST, listNodes(o.v, samples), o.v.nodes.length, samples, 1);
    case 'hash':
      if (!o.big) return ROBJ + listpackSize(hashEntries(o.v));
      return yield* sampled(
        ROBJ + DICT + 8 * dictSlotsCounted(o),
        (function* () {
          for (const [f, v] of o.v) yield sdsSize(f.length) + sdsSize(v.length) + DICT_ENTRY;
        })(),
        o.v.size,
        samples,
      );
    case 'set': {
      if (!o.big) {
        let width = 2;
        for (const m of o.v) {
          const n = Number(m);
          if (n < -2147483648 || n > 2147483647) width = 8;
          else if ((n < -32768 || n > 32767) && width < 4) width = 4;
        }
        return ROBJ + jemallocSize(8 + width * o.v.size);
      }
      return yield* sampled(
        ROBJ + DICT + 8 * dictSlotsCounted(o),
        (function* () {
          for (const m of o.v) yield DICT_ENTRY + sdsSize(m.length);
        })(),
        o.v.size,
        samples,
      );
    }
    case 'zset':
      if (!o.big) return ROBJ + listpackSize(zsetEntries(o.v.dict));
      return yield* sampled(
        ROBJ + ZSET + ZSKIPLIST + DICT + 8 * dictSlotsCounted(o) + jemallocSize(ZSL_HEADER),
        (function* () {
          // zslGetElementByRank order: the lowest scores first (the dict's order is the inserts', or a loaded file's, highest first).
          for (const [m] of o.v.entries()) yield sdsSize(m.length) + DICT_ENTRY + jemallocSize(24 + 16);
        })(),
        o.v.size,
        samples,
      );
    case 'stream':
      return yield* streamSize(o.v, limits, samples);
  }
}

/** MEMORY USAGE's answer for a key holding o (samples 0 means every element), in steps. */
export function* memoryUsage(key: string, o: RObj, samples: number, cluster: boolean, limits: NodeLimits): Steps<number> {
  const value = yield* valueSize(o, samples === 0 ? Infinity : samples, limits);
  return value + sdsSize(key.length) + DICT_ENTRY + (cluster ? CLUSTER_ENTRY_METADATA : 0);
}
