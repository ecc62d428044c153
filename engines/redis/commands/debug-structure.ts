// DEBUG's views of how redis-server 7.0 lays a value out in memory: OBJECT (with the value's RDB
// length and its quicklist's nodes), SDSLEN, HTSTATS and HTSTATS-KEY. Our values are JavaScript
// containers, so each view is computed as redis-server's structure would be for the same contents:
// hash tables sized by Redis's growth rule, buckets by a hash of our own, quicklist nodes filled from
// the head by list-max-listpack-size, string buffers sized by jemalloc's classes.
import type { Client } from '../client.ts';
import { DB_COUNT, type Database } from '../db/keyspace.ts';
import { viewOf } from '../db/keydict.ts';
import { dictSlotsOf, grownSlots } from '../db/dict-size.ts';
import { encodingOf, refcountOf, type ListObj, type RObj } from '../db/objects.ts';
import { E, fail } from '../errors.ts';
import { fnv1a } from '../fnv1a.ts';
import { errnoAccepted, parseI64Arg } from '../num.ts';
import { rdbWriteOptionsOf, valueToRdbSteps } from '../rdb/keyspace-adapter.ts';
import { encodeValueSteps } from '../rdb/writer.ts';
import { runSliced } from '../sliced.ts';
import type { Steps } from '../../slices.ts';


/**
 * C's printf("%.2f"): the double's exact value rounded, ties to even. Only a multiple of 1/8 that is not
 * one of 1/4 lies exactly between two cents (.125, .375, ...); toFixed rounds those up.
 */
function fixed2(x: number): string {
  if (x >= 0 && Number.isInteger(x * 8) && !Number.isInteger(x * 4)) {
    const cents = Math.floor(x * 100);
    return ((cents % 2 === 0 ? cents : cents + 1) / 100).toFixed(2);
  }
  return x.toFixed(2);
}

const f32 = Math.fround;

/** The value as stored, logically expired or not: DEBUG OBJECT and SDSLEN read the dict directly. */
function storedValue(c: Client, key: string): RObj {
  const stored = c.db.dict.getRaw(key);
  if (stored === undefined) fail(E.NO_KEY);
  return viewOf(stored);
}

// ---- hash tables -------------------------------------------------------------------------------

/** dict.c's DICT_STATS_VECTLEN: chains this long or longer are counted but not listed. */
const STATS_VECTLEN = 50;

/** FNV-1a over the key's bytes: which bucket of our table shape an entry falls in. */
function bucketOf(s: string, mask: number): number {
  return fnv1a(s) & mask;
}

/** dictGetStats of one table holding `used` entries, as 7.0's DEBUG HTSTATS words it. */
function* tableStats(entries: Iterable<string>, used: number, size = grownSlots(used)): Steps<string> {
  const head = 'Hash table 0 stats (main hash table):\n';
  if (used === 0) return `${head}No stats available for empty dictionaries\n`;
  const chains = new Uint32Array(size);
  let n = 0;
  for (const k of entries) {
    chains[bucketOf(k, size - 1)]!++;
    if (++n % 4096 === 0) yield;
  }
  const clvector = new Array<number>(STATS_VECTLEN).fill(0);
  let slots = 0;
  let maxChain = 0;
  let total = 0;
  for (let i = 0; i < size; i++) {
    const len = chains[i]!;
    if (len === 0) {
      clvector[0]!++;
      continue;
    }
    slots++;
    clvector[Math.min(len, STATS_VECTLEN - 1)]!++;
    if (len > maxChain) maxChain = len;
    total += len;
  }
  let out =
    head +
    ` table size: ${size}\n number of elements: ${used}\n different slots: ${slots}\n max chain length: ${maxChain}\n` +
    ` avg chain length (counted): ${fixed2(f32(total / slots))}\n avg chain length (computed): ${fixed2(f32(used / slots))}\n` +
    ' Chain length distribution:\n';
  for (let i = 0; i < STATS_VECTLEN - 1; i++) {
    const count = clvector[i]!;
    if (count !== 0) out += `   ${i}: ${count} (${fixed2(f32(f32(count / size) * 100))}%)\n`;
  }
  return out;
}

function* dbStats(db: Database, out: { text: string }): Steps<void> {
  const keys = yield* tableStats(db.dict.keys(), db.dict.size);
  const expires = yield* tableStats(db.expires.keys(), db.expires.size);
  out.text = `[Dictionary HT]\n${keys}[Expires HT]\n${expires}`;
}

export function debugHtstats(c: Client, dbArg: string): void {
  const id = parseI64Arg(dbArg);
  if (id < 0n || id >= BigInt(DB_COUNT)) fail('ERR Out of range database');
  const out = { text: '' };
  runSliced(c, dbStats(c.engine.ks.db(Number(id)), out), () => c.w.verbatim(out.text));
}

function* keyStats(o: RObj, out: { text: string }): Steps<void> {
  switch (o.type) {
    case 'set':
      out.text = yield* tableStats(o.v, o.v.size, dictSlotsOf(o));
      return;
    case 'hash':
      out.text = yield* tableStats(o.v.keys(), o.v.size, dictSlotsOf(o));
      return;
    case 'zset':
      out.text = yield* tableStats(
        (function* () {
          for (const [m] of o.v.entries()) yield m;
        })(),
        o.v.size,
        dictSlotsOf(o),
      );
      return;
  }
}

export function debugHtstatsKey(c: Client, key: string): void {
  const o = c.db.peek(key);
  if (o === null) fail(E.NO_KEY);
  const enc = encodingOf(o);
  if (enc !== 'hashtable' && enc !== 'skiplist') fail('ERR The value stored at the specified key is not represented using an hash table');
  const out = { text: '' };
  runSliced(c, keyStats(o, out), () => c.w.verbatim(out.text));
}

// ---- strings -----------------------------------------------------------------------------------

/** jemalloc's size class for an allocation of n bytes (8, 16, then four classes per doubling). */
function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const group = 2 ** (Math.ceil(Math.log2(n)) - 1);
  const step = group / 4;
  return Math.ceil(n / step) * step;
}

/** The sds header for a string of this length (sdsReqType; type 5 only for short keys). */
function sdsHeader(len: number, type5: boolean): number {
  if (len < 32 && type5) return 1;
  return len < 256 ? 3 : len < 65536 ? 5 : len < 2 ** 32 ? 9 : 17;
}

/** An sds made by sdsnewlen: its allocation and the room jemalloc's class leaves after it. */
function sdsLayout(len: number, type5: boolean): { avail: number; zmalloc: number } {
  const hdr = sdsHeader(len, type5);
  const zmalloc = jemallocSize(hdr + len + 1);
  const avail = hdr === 1 ? 0 : zmalloc - hdr - 1 - len;
  // tryObjectEncoding trims a raw value's spare room once it passes a tenth of its length.
  return { avail: !type5 && avail > len / 10 ? 0 : avail, zmalloc };
}

export function debugSdslen(c: Client, key: string): void {
  const o = storedValue(c, key);
  const enc = encodingOf(o);
  if (o.type !== 'string' || enc === 'int') fail('ERR Not an sds encoded string.');
  const k = sdsLayout(key.length, true);
  const len = o.v.length;
  // An embstr's sds lives in the object's own allocation (robj is 16 bytes) with no spare room.
  const v = enc === 'embstr' ? { avail: 0, zmalloc: jemallocSize(16 + 3 + len + 1) - 16 } : sdsLayout(len, false);
  c.w.simple(`key_sds_len:${key.length}, key_sds_avail:${k.avail}, key_zmalloc: ${k.zmalloc}, val_sds_len:${len}, val_sds_avail:${v.avail}, val_zmalloc: ${v.zmalloc}`);
}

// ---- DEBUG OBJECT ------------------------------------------------------------------------------

/** DEBUG OBJECT's ql_* fields, from the list's own quicklist nodes. */
function quicklistFields(o: ListObj): string {
  const ql = o.v;
  let total = 0;
  for (const node of ql.nodes) total += node.bytes;
  const avg = fixed2(ql.length / ql.nodes.length);
  return ` ql_nodes:${ql.nodes.length} ql_avg_node:${avg} ql_listpack_max:${ql.fill} ql_compressed:${ql.depth !== 0 ? 1 : 0} ql_uncompressed_size:${total}`;
}

/** rdbSavedObjectLen: the value as an RDB 10 (7.0) file holds it, without its type byte. */
function* serializedLength(c: Client, o: RObj, out: { len: number }): Steps<void> {
  const value = yield* valueToRdbSteps(o);
  const body = yield* encodeValueSteps(value, { version: 10, ...rdbWriteOptionsOf(c.engine) });
  out.len = body.length - 1;
}

export function debugObject(c: Client, key: string): void {
  const o = storedValue(c, key);
  // serializedlength: rdbSaveObject walks a stream's nodes to the tree's end (raxNext sets errno to 0).
  if (o.type === 'stream') errnoAccepted(c.engine);
  const m = c.db.dict.metaOf(key) as { lru: number };
  const e = c.engine;
  const size = { len: 0 };
  runSliced(c, serializedLength(c, o, size), () => {
    const refcount = refcountOf(o, e.config.maxmemory, e.config.maxmemoryPolicy);
    const lru = Math.floor(m.lru / 1000) & 0xffffff;
    const idle = Math.floor((e.clock.now() - m.lru) / 1000);
    c.w.simple(`Value at:0x0 refcount:${refcount} encoding:${encodingOf(o)} serializedlength:${size.len} lru:${lru} lru_seconds_idle:${idle}${o.type === 'list' ? quicklistFields(o) : ''}`);
  });
}
