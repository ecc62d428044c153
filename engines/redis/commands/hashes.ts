// Hash commands.
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newHash, updateEncoding, type HashObj } from '../db/objects.ts';
import { hashConverted } from '../db/dict-size.ts';
import type { SplitMap } from '../db/split-table.ts';
import { E, fail } from '../errors.ts';
import { incrByFloat, inI64, isInfLiteral, parseI64Arg, toI64 } from '../num.ts';
import { eachWritten, replySliced, SLICED_WRITE_ARGS, writeEach } from '../sliced.ts';
import { randomOne, replyRandom } from './random-reply.ts';
import { scanCollection } from './scan-collection.ts';
import { parseCursor, parseRandomArgs } from './util.ts';

function getHash(c: Client, key: string, read = true): SplitMap<string> | null {
  return c.db.get(key, 'hash', read)?.v ?? null;
}

function hset(c: Client, a: string[], replyCount: boolean, name: string): void {
  if (a.length % 2 !== 0) fail(`ERR wrong number of arguments for '${name}' command`);
  const key = a[1] as string;
  const o = c.db.getOrCreate(key, 'hash', newHash);
  let added = 0;
  if (a.length > SLICED_WRITE_ARGS) {
    // A million fields held every node 0.7 s: set in slices, the node paused meanwhile.
    const db = c.db;
    const enc = c.engine.config.encoding;
    const [wasBig, before] = [o.big, o.v.size];
    return writeEach(c, a, (a.length - 2) / 2, (j) => {
      const f = a[2 * j + 2] as string;
      const v = a[2 * j + 3] as string;
      if (!o.v.has(f)) added++;
      o.v.set(f, v);
      updateEncoding(o, [f, v], enc);
    }, () => {
      // Where the conversion happened and how its dict was sized, as for a short HSET (encodeAfterSet).
      if (!wasBig && o.big) hashConverted(o, before, a, enc, 2);
      db.modified(key);
      if (replyCount) c.w.int(added);
      else c.w.ok();
    });
  }
  // Sized up front: grown by push, this array was most of a pipelined HSET's garbage.
  const values = new Array<string>(a.length - 2);
  for (let i = 2; i < a.length; i += 2) {
    const f = a[i] as string;
    const v = a[i + 1] as string;
    if (!o.v.has(f)) added++;
    o.v.set(f, v);
    values[i - 2] = f;
    values[i - 1] = v;
  }
  encodeAfterSet(c, o, values, added);
  c.db.modified(key);
  if (replyCount) c.w.int(added);
  else c.w.ok();
}

/**
 * The encoding after fields and values were set (`added` of the fields new): a conversion it makes
 * sizes the dict as hashTypeConvert does, for the fields there before.
 */
function encodeAfterSet(c: Client, o: HashObj, values: readonly string[], added: number): void {
  const enc = c.engine.config.encoding;
  const wasBig = o.big;
  updateEncoding(o, values, enc);
  if (!wasBig && o.big) hashConverted(o, o.v.size - added, values, enc);
}

function hrandfield(c: Client, a: string[]): void {
  const opts = parseRandomArgs(a, 'withvalues');
  const h = getHash(c, a[1] as string);
  if (opts === null) {
    if (h === null || h.size === 0) return c.w.nil();
    return c.w.bulk(randomOne(h) as string);
  }
  const { count, withOption: withValues } = opts;
  if (h === null) return c.w.array(0);
  const w = c.w;
  if (!withValues) return replyRandom(c, h, count, (n) => w.array(n), (f) => w.bulk(f));
  const pairs = w.proto === 3;
  // Names are picked and values looked up as written: a pool of a million [name, value] pairs would cost
  // the young-generation collector pauses of its own.
  replyRandom(
    c,
    h,
    count,
    (n) => w.array(pairs ? n : n * 2),
    (f) => {
      if (pairs) w.array(2);
      w.bulk(f);
      w.bulk(h.get(f) as string);
    },
  );
}

/** HSCAN/SSCAN/ZSCAN reply everything in one page, as Redis does for small encodings; cursors stay valid. */
/** HKEYS and HVALS: a million-field hash is written in slices. */
function hashPart(c: Client, key: string, part: 'keys' | 'values'): void {
  const h = getHash(c, key);
  c.w.array(h?.size ?? 0);
  if (h) replySliced(c, eachWritten(h[part](), (s) => c.w.bulk(s)));
}

export const hashCommands = defineGroup('hash', [
  { name: 'hset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => hset(c, a, true, 'hset') },
  { name: 'hmset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => hset(c, a, false, 'hmset') },
  {
    name: 'hsetnx',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const o = c.db.getOrCreate(key, 'hash', newHash);
      if (o.v.has(a[2] as string)) return c.w.int(0);
      o.v.set(a[2] as string, a[3] as string);
      encodeAfterSet(c, o, [a[2] as string, a[3] as string], 1);
      c.db.modified(key);
      c.w.int(1);
    },
  },
  { name: 'hget', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.bulkOrNil(getHash(c, a[1] as string)?.get(a[2] as string)) },
  {
    name: 'hmget',
    arity: -3,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const h = getHash(c, a[1] as string);
      c.w.array(a.length - 2);
      for (let i = 2; i < a.length; i++) c.w.bulkOrNil(h?.get(a[i] as string));
    },
  },
  {
    name: 'hgetall',
    arity: 2,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const h = getHash(c, a[1] as string);
      c.w.map(h?.size ?? 0);
      if (h)
        replySliced(
          c,
          eachWritten(h, ([f, v]) => {
            c.w.bulk(f);
            c.w.bulk(v);
          }),
        );
    },
  },
  {
    name: 'hdel',
    arity: -3,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const h = getHash(c, key, false);
      if (h === null) return c.w.int(0);
      let n = 0;
      const db = c.db;
      writeEach(c, a, a.length - 2, (j) => {
        if (h.delete(a[j + 2] as string)) n++;
      }, () => {
        if (n > 0) db.modified(key);
        c.w.int(n);
      });
    },
  },
  { name: 'hlen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getHash(c, a[1] as string)?.size ?? 0) },
  { name: 'hstrlen', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getHash(c, a[1] as string)?.get(a[2] as string)?.length ?? 0) },
  { name: 'hexists', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getHash(c, a[1] as string)?.has(a[2] as string) ? 1 : 0) },
  { name: 'hkeys', arity: 2, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => hashPart(c, a[1] as string, 'keys') },
  { name: 'hvals', arity: 2, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => hashPart(c, a[1] as string, 'values') },
  {
    name: 'hincrby',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const by = parseI64Arg(a[3] as string);
      const h = getHash(c, key, false);
      const curText = h?.get(a[2] as string);
      let cur = 0n;
      if (curText !== undefined) {
        const v = toI64(curText);
        if (v === null) fail('ERR hash value is not an integer');
        cur = v;
      }
      const next = cur + by;
      if (!inI64(next)) fail(E.OVERFLOW);
      const o = c.db.getOrCreate(key, 'hash', newHash);
      o.v.set(a[2] as string, next.toString());
      updateEncoding(o, [a[2] as string], c.engine.config.encoding);
      c.db.modified(key);
      c.w.bigint(next);
    },
  },
  {
    name: 'hincrbyfloat',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      if (isInfLiteral(a[3] as string)) fail('ERR value is NaN or Infinity');
      incrByFloat('0', a[3] as string);
      const h = getHash(c, key, false);
      const curText = h?.get(a[2] as string) ?? null;
      let next: string;
      try {
        next = incrByFloat(curText, a[3] as string);
      } catch (err) {
        if (curText !== null && err instanceof Error && err.message === E.NOT_FLOAT && incrByFloatSafe('0', a[3] as string)) fail('ERR hash value is not a float');
        throw err;
      }
      const o = c.db.getOrCreate(key, 'hash', newHash);
      o.v.set(a[2] as string, next);
      updateEncoding(o, [a[2] as string, next], c.engine.config.encoding);
      c.db.modified(key);
      c.w.bulk(next);
    },
  },
  { name: 'hrandfield', arity: -2, flags: ['readonly'], keys: [1, 1, 1], handler: hrandfield },
  {
    name: 'hscan',
    arity: -3,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      parseCursor(a[2] as string); // before the key's type, as redis-server
      const o = c.db.get(a[1] as string, 'hash');
      scanCollection(c, a, o, () => [...(o as HashObj).v.entries()], (f) => [f, (o as HashObj).v.get(f) as string]);
    },
  },
]);

function incrByFloatSafe(cur: string, incr: string): boolean {
  try {
    incrByFloat(cur, incr);
    return true;
  } catch {
    return false;
  }
}
