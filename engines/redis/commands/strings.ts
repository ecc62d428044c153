// String commands.
import { keyword } from './util.ts';
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newString, type StrEncoding, type StrObj } from '../db/objects.ts';
import { growSds } from '../db/sds-growth.ts';
import { E, fail } from '../errors.ts';
import { notify } from '../notify.ts';
import { replySliced, runSliced, writeEach } from '../sliced.ts';
import { BIG_BULK, bulkSteps, replyBulk } from './big-bulk.ts';
import { I64_MAX, incrByFloat, inI64, parseI64Arg, parseIntArg, toI64 } from '../num.ts';

const MAX_STRING = 512 * 1024 * 1024;

function getStr(c: Client, key: string): string | null {
  return c.db.getString(key);
}

/** After SET and its kin store an argument: inside EXEC the queued command still holds it (StrObj.held). */
function storedArgument(c: Client, key: string): void {
  if (c.execQueued >= 0) c.db.markHeld(key, c.engine.execArguments);
}

/**
 * setKey's lookupKeyWrite: under an LFU policy it touches the value being replaced, whose counter the new
 * value keeps (dbOverwrite). Under LRU the new value's clock replaces it anyway, so nothing is looked up.
 */
function touchReplaced(c: Client, key: string): void {
  if (c.engine.ks.lfu) c.db.slotOf(key, false);
}

/** One pair of MSET/MSETNX: redis-server announces each key's set right after its new, key by key. */
function setAnnounced(c: Client, key: string, value: string): void {
  touchReplaced(c, key);
  c.db.setString(key, value);
  storedArgument(c, key);
  notify(c.engine, '$', 'set', c.dbIndex, key);
}

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  /** Absolute expiry in ms, or null. */
  expireAt: bigint | null;
}

/** Parses EX/PX/EXAT/PXAT (+ KEEPTTL, NX/XX, GET as allowed) the way SET and GETEX do. */
/** The absolute expiry in ms as the int64 redis-server keeps (past 2^53 a double would round it). */
function parseExpiry(c: Client, unit: string, value: string | undefined, cmd: string, now = c.engine.clock.now()): bigint {
  if (value === undefined) fail(E.SYNTAX);
  // Redis's checks in int64: positive, the seconds conversion must not overflow, nor the base time added.
  let ms = parseI64Arg(value);
  const u = keyword(unit);
  const seconds = u === 'ex' || u === 'exat';
  if (ms <= 0n || (seconds && ms > I64_MAX / 1000n)) fail(E.EXPIRE_TIME(cmd));
  if (seconds) ms *= 1000n;
  if (u === 'ex' || u === 'px') {
    ms += BigInt(now);
    if (ms > I64_MAX) fail(E.EXPIRE_TIME(cmd));
  }
  return ms;
}

function parseSet(c: Client, args: string[]): SetOptions {
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expireAt: null };
  let hasExpire = false;
  let unit = '';
  let value = '';
  for (let i = 3; i < args.length; i++) {
    const a = keyword(args[i] as string);
    if (a === 'nx' && !o.xx) o.nx = true;
    else if (a === 'xx' && !o.nx) o.xx = true;
    else if (a === 'get') o.get = true;
    else if (a === 'keepttl' && !hasExpire) o.keepTtl = true;
    // The same expiry option may come again (its last value counts); another one may not.
    else if ((a === 'ex' || a === 'px' || a === 'exat' || a === 'pxat') && (!hasExpire || unit === a) && !o.keepTtl && i + 1 < args.length) {
      hasExpire = true;
      unit = a;
      value = args[++i] as string;
    } else fail(E.SYNTAX);
  }
  // Redis checks the whole option syntax before the expire value.
  if (hasExpire) o.expireAt = parseExpiry(c, unit, value, 'set');
  return o;
}

function setCommand(c: Client, args: string[]): void {
  const key = args[1] as string;
  const value = args[2] as string;
  if (args.length === 3) {
    touchReplaced(c, key);
    c.db.setString(key, value);
    storedArgument(c, key);
    c.w.ok();
    return;
  }
  const o = parseSet(c, args);
  const db = c.db;
  let old: string | null = null;
  // With GET redis-server reads the key first (getGenericCommand): a hit or a miss with its keymiss.
  const existing = db.lookup(key, o.get);
  if (o.get) {
    if (existing !== null && existing.type !== 'string') fail(E.WRONGTYPE);
    old = existing === null ? null : (existing as StrObj).v;
  }
  if ((o.nx && existing !== null) || (o.xx && existing === null)) {
    if (o.get) replyBulk(c, old);
    else c.w.nil();
    return;
  }
  db.setString(key, value, o.keepTtl);
  storedArgument(c, key);
  if (o.expireAt !== null) db.setExpire(key, Number(o.expireAt), o.expireAt);
  if (o.get) replyBulk(c, old);
  else c.w.ok();
}

/** Reads the integer stored at key for INCR-family commands. */
function currentInt(c: Client, key: string): bigint {
  // A write lookup, as 7.0's incrDecrCommand: no keyspace hit or miss is counted.
  const s = c.db.getString(key, false);
  if (s === null) return 0n;
  const v = toI64(s);
  if (v === null) fail(E.NOT_INT);
  return v;
}

/**
 * The value of a canonical integer of at most 15 digits ("0", "-12"; no sign on zero, no leading
 * zeros), else NaN: exact as a double, so INCR needs no BigInt. A scan, not a regular expression:
 * it runs on every INCR.
 */
function smallIntValue(s: string): number {
  const n = s.length;
  const neg = s.charCodeAt(0) === 45;
  let i = neg ? 1 : 0;
  if (n - i < 1 || n - i > 15) return NaN;
  if (s.charCodeAt(i) === 48) return n === 1 ? 0 : NaN;
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

/** INCR/DECR by a small step on a small value: plain number arithmetic, no BigInt. */
function incrSmall(c: Client, key: string, by: number): boolean {
  const db = c.db;
  const i = db.slotOf(key, false);
  if (i < 0) {
    db.set(key, newString(String(by)));
    c.w.int(by);
    return true;
  }
  const o = db.objAt(i);
  if (o.type !== 'string') return false;
  const cur = smallIntValue(o.v);
  if (Number.isNaN(cur)) return false;
  const next = cur + by;
  o.v = String(next);
  o.enc = 'auto';
  db.stringModifiedAt(i, key);
  c.w.int(next);
  return true;
}

function incrBy(c: Client, key: string, by: bigint): void {
  if (by >= -1000000n && by <= 1000000n && incrSmall(c, key, Number(by))) return;
  const cur = currentInt(c, key);
  const next = cur + by;
  if (!inI64(next)) fail(E.OVERFLOW);
  const text = next.toString();
  const existing = c.db.lookup(key, false);
  if (existing !== null && existing.type === 'string') {
    existing.v = text;
    existing.enc = 'auto';
    c.db.modified(key);
  } else {
    c.db.set(key, newString(text));
  }
  c.w.bigint(next);
}

/** Stores a string value in place when the key already holds one, keeping its TTL. */
function overwrite(c: Client, key: string, v: string, enc: StrEncoding): void {
  const existing = c.db.lookup(key, false);
  if (existing !== null && existing.type === 'string') {
    existing.v = v;
    existing.enc = enc;
    c.db.modified(key);
  } else {
    c.db.set(key, newString(v, enc));
  }
}

function rangeOf(s: string, startArg: string, endArg: string): string {
  let start = parseIntArg(startArg);
  let end = parseIntArg(endArg);
  const len = s.length;
  if (start < 0 && end < 0 && start > end) return '';
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len === 0 || start > end) return '';
  return s.slice(start, end + 1);
}

/** MGET's reply, a key a step. */
function* mgetSteps(c: Client, a: string[]): Generator<void> {
  for (let i = 1; i < a.length; i++) {
    const v = c.db.getStringOrNull(a[i] as string);
    if (v !== null && v.length >= BIG_BULK) yield* bulkSteps(c.w, v);
    else c.w.bulkOrNil(v);
    yield;
  }
}

function lcs(c: Client, args: string[]): void {
  const oa = c.db.lookup(args[1] as string);
  const ob = c.db.lookup(args[2] as string);
  if ((oa !== null && oa.type !== 'string') || (ob !== null && ob.type !== 'string')) fail('ERR The specified keys must contain string values');
  let wantLen = false;
  let wantIdx = false;
  let minMatch = 0;
  let withMatchLen = false;
  for (let i = 3; i < args.length; i++) {
    const a = keyword(args[i] as string);
    if (a === 'len') wantLen = true;
    else if (a === 'idx') wantIdx = true;
    else if (a === 'withmatchlen') withMatchLen = true;
    else if (a === 'minmatchlen' && i + 1 < args.length) {
      minMatch = parseIntArg(args[++i] as string);
      if (minMatch < 0) minMatch = 0;
    } else fail(E.SYNTAX);
  }
  const a = oa?.type === 'string' ? oa.v : '';
  const b = ob?.type === 'string' ? ob.v : '';
  if (wantLen && wantIdx) fail('ERR If you want both the length and indexes, please just use IDX.');
  const n = a.length;
  const m = b.length;
  // The DP table is (n+1)*(m+1) cells; Redis refuses the same sizes instead of exhausting memory.
  if ((n + 1) * (m + 1) * 4 > c.engine.config.protoMaxBulkLen) fail('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  const dp = new Uint32Array((n + 1) * (m + 1));
  // A row a step: two strings of 11k bytes (the most proto-max-bulk-len allows) fill 121M cells, ~600 ms
  // of CPU that held every node in one turn. The strings cannot change meanwhile; the node is held.
  function* rows(): Generator<void> {
    // Locals of the generator's own: the closure's variables read in the inner loop cost ~50% more.
    const [x, y, t, w] = [a, b, dp, m + 1];
    for (let i = 1; i <= n; i++) {
      const xi = x[i - 1];
      for (let j = 1; j <= m; j++) {
        t[i * w + j] = xi === y[j - 1] ? (t[(i - 1) * w + j - 1] as number) + 1 : Math.max(t[(i - 1) * w + j] as number, t[i * w + j - 1] as number);
      }
      yield;
    }
  }
  runSliced(c, rows(), () => lcsReply(c, a, b, dp, wantLen, wantIdx, minMatch, withMatchLen));
}

/** LCS's answer from its filled table. */
function lcsReply(c: Client, a: string, b: string, dp: Uint32Array, wantLen: boolean, wantIdx: boolean, minMatch: number, withMatchLen: boolean): void {
  const n = a.length;
  const m = b.length;
  const total = dp[n * (m + 1) + m] as number;
  if (wantLen) {
    c.w.int(total);
    return;
  }
  // Walk back from the end collecting the common string and, for IDX, contiguous match ranges.
  const chars: string[] = [];
  const matches: [[number, number], [number, number], number][] = [];
  let i = n;
  let j = m;
  let range: { aEnd: number; bEnd: number; aStart: number; bStart: number } | null = null;
  const emit = () => {
    if (range !== null) {
      const len = range.aEnd - range.aStart + 1;
      if (len >= minMatch) matches.push([[range.aStart, range.aEnd], [range.bStart, range.bEnd], len]);
      range = null;
    }
  };
  while (i > 0 && j > 0) {
    if (a[i - 1] === b[j - 1]) {
      chars.push(a[i - 1] as string);
      if (range !== null && range.aStart === i && range.bStart === j) {
        range.aStart = i - 1;
        range.bStart = j - 1;
      } else {
        emit();
        range = { aEnd: i - 1, bEnd: j - 1, aStart: i - 1, bStart: j - 1 };
      }
      i--;
      j--;
    } else if ((dp[(i - 1) * (m + 1) + j] as number) > (dp[i * (m + 1) + j - 1] as number)) {
      i--;
    } else {
      j--;
    }
  }
  emit();
  if (!wantIdx) {
    c.w.bulk(chars.reverse().join(''));
    return;
  }
  c.w.map(2);
  c.w.bulk('matches');
  c.w.array(matches.length);
  for (const [ra, rb, len] of matches) {
    c.w.array(withMatchLen ? 3 : 2);
    c.w.array(2);
    c.w.int(ra[0]);
    c.w.int(ra[1]);
    c.w.array(2);
    c.w.int(rb[0]);
    c.w.int(rb[1]);
    if (withMatchLen) c.w.int(len);
  }
  c.w.bulk('len');
  c.w.int(total);
}

export const stringCommands = defineGroup('string', [
  { name: 'get', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => replyBulk(c, getStr(c, a[1] as string)) },
  { name: 'set', arity: -3, flags: ['write', 'denyoom'], keys: [1, 1, 1], handler: setCommand },
  {
    name: 'setnx',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      // lookupKeyWrite: a key that is there is touched even though it stays.
      if (c.db.slotOf(a[1] as string, false) >= 0) return c.w.int(0);
      c.db.setString(a[1] as string, a[2] as string);
      storedArgument(c, a[1] as string);
      c.w.int(1);
    },
  },
  ...(['setex', 'psetex'] as const).map((name) => ({
    name,
    arity: 4,
    flags: ['write', 'denyoom'] as const,
    keys: [1, 1, 1] as [number, number, number],
    handler: (c: Client, a: string[]) => {
      const at = parseExpiry(c, name === 'setex' ? 'ex' : 'px', a[2], name);
      touchReplaced(c, a[1] as string);
      c.db.setString(a[1] as string, a[3] as string);
      storedArgument(c, a[1] as string);
      c.db.setExpire(a[1] as string, Number(at), at);
      c.w.ok();
    },
  })),
  {
    name: 'getex',
    arity: -2,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      let unit: string | null = null;
      let value = '';
      let persist = false;
      for (let i = 2; i < a.length; i++) {
        const o = keyword(a[i] as string);
        if ((o === 'ex' || o === 'px' || o === 'exat' || o === 'pxat') && (unit === null || unit === o) && !persist && i + 1 < a.length) {
          unit = o;
          value = a[++i] as string;
        } else if (o === 'persist' && unit === null) persist = true;
        else fail(E.SYNTAX);
      }
      const v = getStr(c, key);
      if (v === null) return c.w.nil();
      // Redis validates the expire value only once it knows the key holds a string.
      if (unit !== null) {
        // One reading of the clock, as EXPIRE: GETEX k PX 1 must not delete the key at once.
        const now = c.engine.clock.now();
        const at = parseExpiry(c, unit, value, 'getex', now);
        const past = Number(at) <= now;
        if (past) c.db.delete(key);
        else c.db.setExpire(key, Number(at), at);
        notify(c.engine, 'g', past ? 'del' : 'expire', c.dbIndex, key);
      } else if (persist && c.db.persist(key)) notify(c.engine, 'g', 'persist', c.dbIndex, key);
      replyBulk(c, v);
    },
  },
  {
    name: 'getdel',
    arity: 2,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const v = getStr(c, a[1] as string);
      // Announced here: an expired key met by the lookup changes the dataset without a del.
      if (v !== null) {
        c.db.delete(a[1] as string);
        notify(c.engine, 'g', 'del', c.dbIndex, a[1] as string);
      }
      replyBulk(c, v);
    },
  },
  {
    name: 'getset',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const v = getStr(c, a[1] as string);
      c.db.setString(a[1] as string, a[2] as string);
      storedArgument(c, a[1] as string);
      replyBulk(c, v);
    },
  },
  {
    name: 'mget',
    arity: -2,
    flags: ['readonly', 'fast'],
    keys: [1, -1, 1],
    handler: (c, a) => {
      c.w.array(a.length - 1);
      // A value a step, written as read: a million keys held every node 0.6 s; a big value a piece a step.
      replySliced(c, mgetSteps(c, a));
    },
  },
  {
    name: 'mset',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 2],
    handler: (c, a) => {
      if (a.length % 2 === 0) fail("ERR wrong number of arguments for 'mset' command");
      writeEach(c, a, (a.length - 1) / 2, (j) => {
        setAnnounced(c, a[2 * j + 1] as string, a[2 * j + 2] as string);
      }, () => c.w.ok());
    },
  },
  {
    name: 'msetnx',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 2],
    handler: (c, a) => {
      if (a.length % 2 === 0) fail("ERR wrong number of arguments for 'msetnx' command");
      // The existence checks and the sets are steps of one sliced write, so no other client runs between them.
      const db = c.db;
      let taken = false;
      const pairs = (a.length - 1) / 2;
      writeEach(c, a, 2 * pairs, (j) => {
        if (j < pairs) taken ||= db.exists(a[2 * j + 1] as string);
        else if (!taken) {
          const k = 2 * (j - pairs) + 1;
          setAnnounced(c, a[k] as string, a[k + 1] as string);
        }
      }, () => c.w.int(taken ? 0 : 1));
    },
  },
  {
    name: 'append',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const o = c.db.get(key, 'string', false);
      if (o === null) {
        c.db.set(key, newString(a[2] as string));
        storedArgument(c, key);
        return c.w.int((a[2] as string).length);
      }
      if (o.v.length + (a[2] as string).length > MAX_STRING) fail(E.STRING_TOO_LONG);
      growSds(o, o.v.length + (a[2] as string).length);
      o.v += a[2] as string;
      o.enc = 'raw';
      c.db.modified(key);
      c.w.int(o.v.length);
    },
  },
  { name: 'strlen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getStr(c, a[1] as string)?.length ?? 0) },
  {
    name: 'setrange',
    arity: 4,
    flags: ['write', 'denyoom'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const off = parseIntArg(a[2] as string);
      const val = a[3] as string;
      if (off < 0) fail('ERR offset is out of range');
      const o = c.db.get(key, 'string', false);
      const cur = o === null ? '' : o.v;
      if (val.length === 0) return c.w.int(cur.length);
      if (off + val.length > MAX_STRING) fail(E.STRING_TOO_LONG);
      if (o !== null) growSds(o, off + val.length);
      const padded = cur.length < off ? cur + '\0'.repeat(off - cur.length) : cur;
      const next = padded.slice(0, off) + val + padded.slice(off + val.length);
      overwrite(c, key, next, 'raw');
      c.w.int(next.length);
    },
  },
  ...(['getrange', 'substr'] as const).map((name) => ({
    name,
    arity: 4,
    flags: ['readonly'] as const,
    keys: [1, 1, 1] as [number, number, number],
    handler: (c: Client, a: string[]) => {
      parseIntArg(a[2] as string);
      parseIntArg(a[3] as string);
      const s = getStr(c, a[1] as string) ?? '';
      replyBulk(c, rangeOf(s, a[2] as string, a[3] as string));
    },
  })),
  { name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => incrSmall(c, a[1] as string, 1) || incrBy(c, a[1] as string, 1n) },
  { name: 'decr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => incrSmall(c, a[1] as string, -1) || incrBy(c, a[1] as string, -1n) },
  { name: 'incrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: (c, a) => incrBy(c, a[1] as string, parseI64Arg(a[2] as string)) },
  {
    name: 'decrby',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const by = parseI64Arg(a[2] as string);
      if (by === -(2n ** 63n)) fail('ERR decrement would overflow');
      incrBy(c, a[1] as string, -by);
    },
  },
  {
    name: 'incrbyfloat',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      // A write lookup, as redis-server's: no keyspace miss, no keymiss.
      const cur = c.db.getString(key, false);
      const next = incrByFloat(cur, a[2] as string);
      overwrite(c, key, next, 'str');
      // Propagated as SET key <the new value> KEEPTTL: redis-server puts the stored object into argv.
      storedArgument(c, key);
      c.w.bulk(next);
    },
  },
  { name: 'lcs', arity: -3, flags: ['readonly'], keys: [1, 2, 1], handler: lcs },
]);
