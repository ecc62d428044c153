// Generic keyspace commands.
import { asCString } from '../c-string.ts';
import type { Client } from '../client.ts';
import { DumpBodyError, decodeDumpSteps, encodeDumpSteps, rawStringOfDumpSteps } from '../rdb/dump.ts';
import { isEmptyCollection } from '../rdb/entries.ts';
import { RdbError } from '../rdb/errors.ts';
import { countSanitized, deepCheck } from '../payload-sanitize.ts';
import { MAX_READ_VERSION } from '../rdb/format.ts';
import { bufSteps, rdbWriteOptionsOf, valueFromRdbSteps, valueToRdbSteps } from '../rdb/keyspace-adapter.ts';
import { listOptionsOf } from '../db/list-options.ts';
import { newString, type RObj } from '../db/objects.ts';
import type { Steps } from '../../slices.ts';
import { defineGroup } from '../command-table.ts';
import { cloneInSteps } from '../db/clone.ts';
import { countLazyFree } from '../db/lazyfree.ts';
import { encodingOf, refcountOf } from '../db/objects.ts';
import { E, fail } from '../errors.ts';
import { globMatch } from '../glob.ts';
import { notify } from '../notify.ts';
import { eachWritten, indexes, runSliced, runSlicedWrite, SLICED_WRITE_ARGS, writeEach } from '../sliced.ts';
import { BIG_BULK, bufferBulkSteps } from './big-bulk.ts';
import { scanReplySteps, writeScanReply } from './scan-reply.ts';
import { errnoAccepted, I64_MAX, I64_MIN, parseI64Arg, parseInt32Arg, parseIntArg } from '../num.ts';
import { is, parseCursor, parseScanOptions, writeHelp, keyword } from './util.ts';

/** EXISTS/TOUCH: how many of the keys `a` names pass `test`, a key a step (a million keys held every node 0.5 s). */
function countKeys(c: Client, a: string[], test: (key: string) => boolean): void {
  let n = 0;
  runSliced(c, eachWritten(indexes(1, a.length - 1), (i) => {
    if (test(a[i] as string)) n++;
  }), () => c.w.int(n));
}

/** DEL/UNLINK: in slices when naming many keys (a million held every node 0.7-1.6 s). */
function del(c: Client, a: string[]): void {
  const lazy = (a[0] as string).toLowerCase() === 'unlink' || c.engine.config.get('lazyfree-lazy-user-del') === 'yes';
  let n = 0;
  const db = c.db;
  const dbIndex = c.dbIndex;
  writeEach(c, a, a.length - 1, (j) => {
    const key = a[j + 1] as string;
    const o = lazy ? db.peek(key) : null;
    if (db.delete(key)) {
      if (o !== null) countLazyFree(c, o);
      n++;
      notify(c.engine, 'g', 'del', dbIndex, key);
    }
  }, () => c.w.int(n));
}

interface ExpireCond {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

// XX combines with GT or LT (both must hold), as in redis-server's expireGenericCommand.
function parseExpireCond(a: string[], from: number): ExpireCond {
  const cond: ExpireCond = { nx: false, xx: false, gt: false, lt: false };
  for (let i = from; i < a.length; i++) {
    const o = keyword(a[i] as string);
    if (o === 'nx' || o === 'xx' || o === 'gt' || o === 'lt') cond[o] = true;
    else fail(`ERR Unsupported option ${asCString(a[i] as string)}`);
  }
  if (cond.nx && (cond.xx || cond.gt || cond.lt)) fail('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (cond.gt && cond.lt) fail('ERR GT and LT options at the same time are not compatible');
  return cond;
}

/** EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT share everything but the unit and the base time. */
function expireGeneric(c: Client, a: string[], name: string, unitMs: number, relative: boolean): void {
  const key = a[1] as string;
  const cond = parseExpireCond(a, 3);
  // Redis's overflow checks, in int64: the unit conversion, then the addition of the base time.
  let when = parseI64Arg(a[2] as string);
  if (unitMs === 1000) {
    if (when > I64_MAX / 1000n || when < I64_MIN / 1000n) fail(E.EXPIRE_TIME(name));
    when *= 1000n;
  }
  // One reading of the clock for the base and the already-past check: between two readings a node's
  // command can cross a millisecond boundary (redis-server's two mstime() calls rarely do), and then
  // PEXPIRE k 1 deleted the key at once (a fresh-clone run lost a key that way).
  const now = c.engine.clock.now();
  const base = relative ? BigInt(now) : 0n;
  if (when > I64_MAX - base) fail(E.EXPIRE_TIME(name));
  const exact = when + base;
  const at = Number(exact);
  if (!c.db.exists(key)) return c.w.int(0);
  const cur = c.db.ttlOf(key);
  if (cond.nx && cur !== undefined) return c.w.int(0);
  if (cond.xx && cur === undefined) return c.w.int(0);
  if (cond.gt || cond.lt) {
    // Compared as int64s: two times past 2^53 can round to the same double.
    const curExact = cur === undefined ? undefined : (c.db.preciseExpires.get(key) ?? BigInt(cur));
    if (cond.gt && (curExact === undefined || exact <= curExact)) return c.w.int(0);
    if (cond.lt && curExact !== undefined && exact >= curExact) return c.w.int(0);
  }
  // A time already past deletes the key, and redis-server announces that as a del.
  if (at <= now) {
    c.db.delete(key);
    notify(c.engine, 'g', 'del', c.dbIndex, key);
  } else {
    c.db.setExpire(key, at, exact);
    notify(c.engine, 'g', 'expire', c.dbIndex, key);
  }
  c.w.int(1);
}

function ttlGeneric(c: Client, key: string, ms: boolean, absolute: boolean): void {
  if (c.db.typeOf(key, true, false) === null) return c.w.int(-2);
  const at = c.db.ttlOf(key);
  if (at === undefined) return c.w.int(-1);
  const exact = c.db.preciseExpires.get(key);
  if (exact !== undefined) {
    // EXPIRETIME rounds to the nearest second as TTL does ((ms + 500) / 1000 in 7.0).
    if (absolute) return c.w.bigint(ms ? exact : (exact + 500n) / 1000n);
    const left = exact - BigInt(c.engine.clock.now());
    return c.w.bigint(ms ? left : (left + 500n) / 1000n);
  }
  if (absolute) return c.w.int(ms ? at : Math.floor((at + 500) / 1000));
  const left = Math.max(0, at - c.engine.clock.now());
  c.w.int(ms ? left : Math.floor((left + 500) / 1000));
}

function renameGeneric(c: Client, a: string[], nx: boolean): void {
  const src = a[1] as string;
  const dst = a[2] as string;
  const o = c.db.lookup(src, false);
  if (o === null) fail(E.NO_KEY);
  if (src === dst) return nx ? c.w.int(0) : c.w.ok();
  if (nx && c.db.exists(dst)) return c.w.int(0);
  const ttl = c.db.ttlOf(src);
  const exactTtl = c.db.preciseExpires.get(src);
  const meta = c.db.peekMeta(src) ?? undefined;
  c.db.delete(src);
  // redis-server deletes a destination that exists and adds the key anew: a 'new' event either way.
  c.db.delete(dst);
  c.db.set(dst, o, false, meta);
  if (ttl !== undefined) c.db.setExpire(dst, ttl, exactTtl);
  if (nx) c.w.int(1);
  else c.w.ok();
}

/** Slots a step of a big SCAN visits. */
const SCAN_STEP = 16;

/**
 * A COUNT past SLICED_WRITE_ARGS walks the table in slices, as a write (runSlicedWrite): the expired
 * keys it meets are deleted (a million of them held every node 1.8 s). Walking in pieces from the
 * cursor each piece returns visits the same slots as one walk: cursors are slot sequence numbers, and
 * only slots already visited lose their keys meanwhile.
 */
function scan(c: Client, a: string[]): void {
  const cursor = parseCursor(a[1] as string);
  const opt = parseScanOptions(a, 2, true);
  const db = c.db;
  const live: string[] = [];
  /** Walks `count` slots from `from` into `live`: the next cursor, and whether the table ended first. */
  const walk = (from: number, count: number): [number, boolean] => {
    const keys: string[] = [];
    let seen = 0;
    const next = db.dict.scan(from, count, (k) => {
      seen++;
      if (opt.match === null || globMatch(opt.match, k)) keys.push(k);
    });
    // With TYPE, redis-server 7.0 reads each key's type through a lookup: an expired key of any type is
    // deleted (its keymiss event fired), and each lookup counts as a keyspace hit or miss. Such a key
    // reads as 'none', so TYPE none returns it (seed 90122).
    for (const k of keys) if (opt.type !== null ? (db.typeOf(k, true, false) ?? 'none') === opt.type : !db.expireIfNeeded(k)) live.push(k);
    return [next, seen < count || next === 0];
  };
  if (opt.count <= SLICED_WRITE_ARGS) return writeScanReply(c, walk(cursor, opt.count)[0], live);
  let next = cursor;
  function* steps(): Generator<void> {
    for (let left = opt.count; left > 0; left -= SCAN_STEP) {
      const [at, ended] = walk(next, Math.min(left, SCAN_STEP));
      next = at;
      if (ended) break;
      yield;
    }
    // A COUNT as big as the keyspace answers every key: written a piece a step too.
    yield* scanReplySteps(c, next, live);
  }
  runSlicedWrite(c, steps(), () => undefined, a);
}

/**
 * OBJECT's lookup (7.0's objectCommandLookup: LOOKUP_NOTOUCH|LOOKUP_NONOTIFY): no access recorded, no
 * keymiss event, but a hit or miss counted. DEBUG HTSTATS-KEY/LISTPACK/QUICKLIST look keys up so too.
 */
export function objectLookup<T>(c: Client, found: T | null): T | null {
  if (found === null) c.engine.ks.stats.misses++;
  else c.engine.ks.stats.hits++;
  return found;
}

function objectFreq(c: Client, a: string[]): void {
  const o = objectLookup(c, c.db.peek(a[2] as string));
  if (o === null) return c.w.nil();
  if (!c.engine.config.maxmemoryPolicy.endsWith('lfu')) {
    fail('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
  }
  // A shared integer (0-9999) answers the counter all its keys share (Database.lfuOf).
  c.w.int(c.db.lfuOf(a[2] as string, c.engine.clock.now()));
}

function objectIdle(c: Client, a: string[]): void {
  const o = objectLookup(c, c.db.peekMeta(a[2] as string));
  if (o === null) return c.w.nil();
  if (c.engine.config.maxmemoryPolicy.endsWith('lfu')) {
    fail('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
  }
  c.w.int(Math.floor((c.engine.clock.now() - o.lru) / 1000));
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

export const keyCommands = defineGroup('keyspace', [
  { name: 'del', arity: -2, flags: ['write'], keys: [1, -1, 1], handler: del },
  { name: 'unlink', arity: -2, flags: ['write', 'fast'], keys: [1, -1, 1], handler: del },
  {
    name: 'exists',
    arity: -2,
    flags: ['readonly', 'fast'],
    keys: [1, -1, 1],
    handler: (c, a) => countKeys(c, a, (k) => c.db.typeOf(k, true, false) !== null),
  },
  {
    name: 'type',
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => c.w.simple(c.db.typeOf(a[1] as string, true, false) ?? 'none'),
  },
  { name: 'rename', arity: 3, flags: ['write'], keys: [1, 2, 1], handler: (c, a) => renameGeneric(c, a, false) },
  { name: 'renamenx', arity: 3, flags: ['write', 'fast'], keys: [1, 2, 1], handler: (c, a) => renameGeneric(c, a, true) },
  {
    name: 'copy',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, 2, 1],
    handler: (c, a) => {
      let dbIndex = c.dbIndex;
      let replace = false;
      for (let i = 3; i < a.length; i++) {
        if (is(a[i], 'replace')) replace = true;
        else if (is(a[i], 'db') && i + 1 < a.length) {
          dbIndex = parseInt32Arg(a[++i] as string);
          if (dbIndex < 0 || dbIndex >= c.engine.ks.dbs.length) fail(E.DB_INDEX);
        } else fail(E.SYNTAX);
      }
      // A cluster node has database 0 only (7.0 checks this once the options are read).
      if (c.engine.cluster !== null && (c.dbIndex !== 0 || dbIndex !== 0)) fail('ERR Copying to another database is not allowed in cluster mode');
      const src = a[1] as string;
      const dst = a[2] as string;
      if (src === dst && dbIndex === c.dbIndex) fail('ERR source and destination objects are the same');
      // lookupKeyRead: a missing source is a keyspace miss (and its keymiss event).
      const o = c.db.lookup(src);
      if (o === null) return c.w.int(0);
      const target = c.engine.ks.db(dbIndex);
      if (target.exists(dst) && !replace) return c.w.int(0);
      // streamDup walks the nodes to the tree's end (raxNext sets errno to 0).
      if (o.type === 'stream') errnoAccepted(c.engine);
      // A million elements are copied in slices; the copy replaces the destination in one turn at the end.
      const made: { o?: RObj } = {};
      const work = (function* () {
        made.o = yield* cloneInSteps(o);
      })();
      runSliced(c, work, () => {
        target.delete(dst);
        target.set(dst, made.o as RObj, false, c.db.peekMeta(src) ?? undefined);
        const ttl = c.db.ttlOf(src);
        if (ttl !== undefined) target.setExpire(dst, ttl, c.db.preciseExpires.get(src));
        notify(c.engine, 'g', 'copy_to', dbIndex, dst);
        c.w.int(1);
      }, a);
    },
  },
  {
    name: 'move',
    arity: 3,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      if (c.engine.cluster !== null) fail('ERR MOVE is not allowed in cluster mode');
      const key = a[1] as string;
      const idx = toDbIndex(a[2] as string);
      if (idx === c.dbIndex) fail('ERR source and destination objects are the same');
      const target = c.engine.ks.db(idx);
      const o = c.db.lookup(key, false);
      if (o === null || target.exists(key)) return c.w.int(0);
      const ttl = c.db.ttlOf(key);
      const exactTtl = c.db.preciseExpires.get(key);
      const meta = c.db.peekMeta(key) ?? undefined;
      c.db.delete(key);
      target.set(key, o, false, meta);
      if (ttl !== undefined) target.setExpire(key, ttl, exactTtl);
      notify(c.engine, 'g', 'move_from', c.dbIndex, key);
      notify(c.engine, 'g', 'move_to', idx, key);
      c.w.int(1);
    },
  },
  {
    name: 'keys',
    arity: 2,
    flags: ['readonly'],
    acl: ['@dangerous'],
    handler: (c, a) => {
      const pattern = a[1] as string;
      const out: string[] = [];
      const all = pattern === '*';
      const db = c.db;
      // Keys added while the slices run (a replica applying its stream) are visited too, as a Map iterator does.
      function* match(): Generator<void> {
        for (const k of db.dict.keys()) {
          // As 7.0's keysCommand: a key past its TTL is left out, not deleted (keyIsExpired).
          if ((all || globMatch(pattern, k)) && !db.isStale(k)) out.push(k);
          yield;
        }
      }
      runSliced(c, match(), () => c.w.bulks(out));
    },
  },
  { name: 'scan', arity: -2, flags: ['readonly'], handler: scan },
  { name: 'randomkey', arity: 1, flags: ['readonly'], handler: (c) => c.w.bulkOrNil(c.db.randomKey()) },
  {
    name: 'touch',
    arity: -2,
    flags: ['readonly', 'fast'],
    keys: [1, -1, 1],
    // lookupKeyRead: a missing key is a keyspace miss (and its keymiss event).
    handler: (c, a) => countKeys(c, a, (k) => c.db.slotOf(k) >= 0),
  },
  { name: 'expire', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], handler: (c, a) => expireGeneric(c, a, 'expire', 1000, true) },
  { name: 'pexpire', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], handler: (c, a) => expireGeneric(c, a, 'pexpire', 1, true) },
  { name: 'expireat', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], handler: (c, a) => expireGeneric(c, a, 'expireat', 1000, false) },
  { name: 'pexpireat', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], handler: (c, a) => expireGeneric(c, a, 'pexpireat', 1, false) },
  { name: 'ttl', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => ttlGeneric(c, a[1] as string, false, false) },
  { name: 'pttl', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => ttlGeneric(c, a[1] as string, true, false) },
  { name: 'expiretime', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => ttlGeneric(c, a[1] as string, false, true) },
  { name: 'pexpiretime', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => ttlGeneric(c, a[1] as string, true, true) },
  {
    name: 'persist',
    arity: 2,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => c.w.int(c.db.exists(a[1] as string) && c.db.persist(a[1] as string) ? 1 : 0),
  },
  {
    name: 'object',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      {
        name: 'encoding',
        arity: 3,
        flags: ['readonly'],
        keys: [2, 2, 1],
        handler: (c, a) => {
          const o = objectLookup(c, c.db.peek(a[2] as string));
          if (o === null) c.w.nil();
          else c.w.bulk(encodingOf(o));
        },
      },
      { name: 'freq', arity: 3, flags: ['readonly'], keys: [2, 2, 1], handler: objectFreq },
      { name: 'idletime', arity: 3, flags: ['readonly'], keys: [2, 2, 1], handler: objectIdle },
      {
        name: 'refcount',
        arity: 3,
        flags: ['readonly'],
        keys: [2, 2, 1],
        handler: (c, a) => {
          const o = objectLookup(c, c.db.peek(a[2] as string));
          if (o === null) return c.w.nil();
          const shared = refcountOf(o, c.engine.config.maxmemory, c.engine.config.maxmemoryPolicy);
          if (shared !== 1) return c.w.int(shared);
          // A value the running EXEC's queued command still holds, unless a change in place (enc
          // 'raw': SETBIT, BITFIELD) made redis-server copy it first.
          c.w.int(o.type === 'string' && o.held === c.engine.execArguments && o.held !== undefined && o.enc !== 'raw' ? 2 : 1);
        },
      },
      { name: 'help', arity: 2, flags: [], handler: (c) => writeHelp(c, OBJECT_HELP) },
    ],
  },
  {
    name: 'dump',
    arity: 2,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const o = c.db.lookup(a[1] as string);
      if (o === null) return c.w.nil();
      // rdbSaveObject walks a stream's nodes to the tree's end (raxNext sets errno to 0).
      if (o.type === 'stream') errnoAccepted(c.engine);
      const payload: { b?: Buffer } = {};
      // A value of a million elements takes seconds to serialise: in slices, the node held meanwhile.
      runSliced(c, dumpSteps(c, o, payload), () => {
        if (payload.b !== undefined) c.w.bulkBuffer(payload.b);
      });
    },
  },
  {
    name: 'restore',
    arity: -4,
    flags: ['write', 'denyoom'],
    acl: ['@dangerous'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      let replace = false;
      let absTtl = false;
      let idle: number | undefined;
      let freq: number | undefined;
      for (let i = 4; i < a.length; i++) {
        const opt = keyword(a[i] as string);
        if (opt === 'replace') replace = true;
        else if (opt === 'absttl') absTtl = true;
        else if (opt === 'idletime' && i + 1 < a.length && freq === undefined) {
          idle = parseIntArg(a[++i] as string);
          if (idle < 0) fail('ERR Invalid IDLETIME value, must be >= 0');
        } else if (opt === 'freq' && i + 1 < a.length && idle === undefined) {
          freq = parseIntArg(a[++i] as string);
          if (freq < 0 || freq > 255) fail('ERR Invalid FREQ value, must be >= 0 and <= 255');
        } else fail(E.SYNTAX);
      }
      // redis-server looks for the key before it reads the TTL.
      if (!replace && c.db.lookup(key, false) !== null) fail('BUSYKEY Target key name already exists.');
      const ttl = parseIntArg(a[2] as string);
      if (ttl < 0) fail('ERR Invalid TTL value, must be >= 0');
      const built: { o?: RObj } = {};
      // Decoding and building a value of a million elements takes seconds: in slices, the node held meanwhile.
      runSliced(c, restoreSteps(c, a[3] as string, built), () => {
        const now = c.engine.clock.now();
        const expireAt = ttl === 0 ? undefined : absTtl ? ttl : now + ttl;
        if (expireAt !== undefined && expireAt <= now) {
          // Redis accepts an already expired payload and simply does not create the key.
          if (replace && c.db.deleteAsIs(key)) notify(c.engine, 'g', 'del', c.dbIndex, key);
          return c.w.ok();
        }
        // REPLACE deletes the old value and the key is added anew, as redis-server's dbDelete/dbAdd: 'new'
        // (a value past its TTL goes without an `expired`: redis-server does not look it up).
        if (replace) c.db.deleteAsIs(key);
        c.db.set(key, built.o as RObj);
        if (expireAt !== undefined) c.db.setExpire(key, expireAt);
        c.db.setAccess(key, idle === undefined ? undefined : c.engine.ks.accessNow - idle * 1000, freq);
        notify(c.engine, 'g', 'restore', c.dbIndex, key);
        c.w.ok();
      }, a);
    },
  },
]);

/** Version 10 payloads are what Redis 7.0 writes and reads; 7.2 reads them too. */
const DUMP_RDB_VERSION = 10;

function* dumpSteps(c: Client, o: RObj, out: { b?: Buffer }): Steps<void> {
  const value = yield* valueToRdbSteps(o);
  const b = yield* encodeDumpSteps(value, { version: DUMP_RDB_VERSION, ...rdbWriteOptionsOf(c.engine) });
  // A big payload (a 100 MB string that does not compress) is copied into the reply in steps too.
  if (b.length < BIG_BULK) out.b = b;
  else yield* bufferBulkSteps(c.w, b);
}

function* restoreSteps(c: Client, payload: string, out: { o?: RObj }): Steps<void> {
  let decoded;
  const tally = { containers: 0, deep: deepCheck(c.engine, c) };
  try {
    if (payload.length >= BIG_BULK) {
      const raw = yield* rawStringOfDumpSteps(payload, { maxVersion: MAX_READ_VERSION, skipChecksum: c.engine.skipChecksum });
      if (raw !== null) {
        out.o = newString(raw);
        return;
      }
    }
    decoded = yield* decodeDumpSteps(payload.length < BIG_BULK ? Buffer.from(payload, 'latin1') : yield* bufSteps(payload), { maxVersion: MAX_READ_VERSION, skipChecksum: c.engine.skipChecksum, tally });
  } catch (err) {
    fail(err instanceof DumpBodyError ? 'ERR Bad data format' : 'ERR DUMP payload version or checksum are wrong');
  } finally {
    // Counted up to where a bad payload was refused, as redis-server counts before each check.
    countSanitized(c.engine, c, tally);
  }
  // rdbLoadObject refuses a collection with nothing in it (a file's load skips the key instead).
  if (isEmptyCollection(decoded.value)) fail('ERR Bad data format');
  try {
    out.o = yield* valueFromRdbSteps(decoded.value, c.engine.config.encoding, listOptionsOf(c.engine));
  } catch (err) {
    // What only building the value finds (a set member named twice) is the payload's fault too.
    if (err instanceof RdbError) fail('ERR Bad data format');
    throw err;
  }
}

export function toDbIndex(s: string): number {
  const idx = parseInt32Arg(s);
  if (idx < 0 || idx >= 16) fail(E.DB_INDEX);
  return idx;
}

