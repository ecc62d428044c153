// Bitmap commands on string values. Bit 0 is the most significant bit of the first byte.
import { asCString } from '../c-string.ts';
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newString } from '../db/objects.ts';
import { growSds } from '../db/sds-growth.ts';
import { E, fail } from '../errors.ts';
import { notify } from '../notify.ts';
import { parseIntArg, toI64 } from '../num.ts';
import { is, keyword } from './util.ts';
import { runSliced } from '../sliced.ts';
import { bitAt, byteOf, bitcountSteps, bitopSteps, bitposSteps, type BitOp } from './bit-steps.ts';

const MAX_BIT_OFFSET = 4 * 1024 * 1024 * 1024 - 1;

function getStr(c: Client, key: string, read = true): string | null {
  return c.db.getString(key, read);
}

/** `maxBytes`: proto-max-bulk-len, which bounds the offset as redis-server's getBitOffsetFromArgument does. */
function parseBitOffset(s: string, hashAllowed = false, width = 1, maxBytes = (MAX_BIT_OFFSET + 1) / 8): number {
  let mul = 1;
  let text = s;
  if (hashAllowed && s.startsWith('#')) {
    mul = width;
    text = s.slice(1);
  }
  const v = toI64(text);
  if (v === null || v < 0n) fail(E.BIT_OFFSET);
  const n = Number(v) * mul;
  if (n > MAX_BIT_OFFSET || Math.floor(n / 8) >= maxBytes) fail(E.BIT_OFFSET);
  return n;
}

/** Writes a modified copy back as a "raw" string, keeping TTL (`unseen`: see Database.modified). */
function store(c: Client, key: string, buf: Buffer, unseen = false): void {
  storeText(c, key, buf.latin1Slice(0, buf.length), unseen);
}

/** store() of the value as text. */
function storeText(c: Client, key: string, v: string, unseen = false): void {
  const o = c.db.get(key, 'string', false);
  if (o !== null) {
    growSds(o, v.length);
    o.v = v;
    o.enc = 'raw';
    c.db.modified(key, unseen);
  } else {
    c.db.set(key, newString(v, 'raw'), false, undefined, unseen);
  }
}

/** Bytes a step of copySteps copies or zeroes. */
const COPY_PIECE = 1 << 16;

/** `buf` made toBuffer's copy of `s`: its bytes, then zeros to its end, a piece a step. */
function* copySteps(buf: Buffer, s: string | null): Generator<void> {
  const n = s?.length ?? 0;
  for (let i = 0; i < n; i += COPY_PIECE) {
    buf.latin1Write((s as string).slice(i, i + COPY_PIECE), i);
    yield;
  }
  for (let i = n; i < buf.length; i += COPY_PIECE) {
    buf.fill(0, i, Math.min(buf.length, i + COPY_PIECE));
    yield;
  }
}

/** A byte index past which SETBIT grows a string without a buffer of its size. */
const FAR_BIT_BYTES = 1 << 20;

function toBuffer(s: string | null, minLen: number): Buffer {
  const len = Math.max(s?.length ?? 0, minLen);
  const b = Buffer.alloc(len);
  if (s !== null) b.latin1Write(s, 0);
  return b;
}


/** Resolves BITCOUNT/BITPOS ranges; returns inclusive [start, end] in units or null if empty. */
function resolveRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return null;
  return [start, end];
}

function bitcount(c: Client, a: string[]): void {
  const s = getStr(c, a[1] as string);
  if (s === null) return c.w.int(0);
  let start = 0;
  let end = -1;
  let bitMode = false;
  if (a.length === 3 || a.length > 5) fail(E.SYNTAX);
  if (a.length >= 4) {
    start = parseIntArg(a[2] as string);
    end = parseIntArg(a[3] as string);
    // redis-server 7.0 answers an empty negative range before it reads the unit.
    if (start < 0 && end < 0 && start > end) return c.w.int(0);
    if (a.length === 5) {
      if (is(a[4], 'bit')) bitMode = true;
      else if (!is(a[4], 'byte')) fail(E.SYNTAX);
    }
  }
  const r = resolveRange(start, end, bitMode ? s.length * 8 : s.length);
  if (r === null) return c.w.int(0);
  const out = { n: 0 };
  const [fromBit, toBit] = bitMode ? r : [r[0] * 8, r[1] * 8 + 7];
  runSliced(c, bitcountSteps(s, fromBit, toBit, out), () => c.w.int(out.n));
}

function bitpos(c: Client, a: string[]): void {
  const bitArg = parseIntArg(a[2] as string);
  if (bitArg !== 0 && bitArg !== 1) fail('ERR The bit argument must be 1 or 0.');
  const want = bitArg;
  const s = getStr(c, a[1] as string);
  if (s === null) return c.w.int(want === 1 ? -1 : 0);
  // Too many arguments is a syntax error before start/end are read, as in redis-server.
  if (a.length > 6) fail(E.SYNTAX);
  let start = 0;
  let end = -1;
  const endGiven = a.length >= 5;
  let bitMode = false;
  // redis-server 7.0 reads start, then the unit, then end.
  if (a.length >= 4) start = parseIntArg(a[3] as string);
  if (a.length === 6) {
    if (is(a[5], 'bit')) bitMode = true;
    else if (!is(a[5], 'byte')) fail(E.SYNTAX);
  }
  if (a.length >= 5) end = parseIntArg(a[4] as string);
  const r = resolveRange(start, end, bitMode ? s.length * 8 : s.length);
  if (r === null) return c.w.int(-1);
  const [fromBit, toBit] = bitMode ? r : [r[0] * 8, r[1] * 8 + 7];
  const out = { at: -1 };
  runSliced(c, bitposSteps(s, want, fromBit, toBit, out), () => {
    // Looking for a clear bit with no explicit end: the string is padded with zeros on the right.
    if (out.at === -1 && want === 0 && !endGiven) return c.w.int(toBit + 1);
    c.w.int(out.at);
  });
}

function bitop(c: Client, a: string[]): void {
  const op = keyword(a[1] as string);
  if (!['and', 'or', 'xor', 'not'].includes(op)) fail(E.SYNTAX);
  const dest = a[2] as string;
  const srcKeys = a.slice(3);
  if (op === 'not' && srcKeys.length !== 1) fail('ERR BITOP NOT must be called with a single source key.');
  const srcs = srcKeys.map((k) => getStr(c, k));
  const maxLen = Math.max(0, ...srcs.map((s) => s?.length ?? 0));
  if (maxLen === 0) {
    if (c.db.deleteAsIs(dest)) notify(c.engine, 'g', 'del', c.dbIndex, dest);
    return c.w.int(0);
  }
  const out = { v: '' };
  runSliced(c, bitopSteps(op as BitOp, srcs, maxLen, out), () => {
    c.db.set(dest, newString(out.v, 'raw'));
    notify(c.engine, '$', 'set', c.dbIndex, dest);
    c.w.int(maxLen);
  }, a);
}

interface FieldType {
  signed: boolean;
  bits: number;
}

function parseType(s: string): FieldType {
  // getBitfieldTypeFromArgument: a lower-case i or u, then what string2ll reads (no sign, no leading
  // zero) of strlen's length: the type ends at a NUL ('u8\0x' is u8).
  const m = /^([iu])([1-9][0-9]*)$/.exec(asCString(s));
  const bits = m ? Number(m[2]) : 0;
  const signed = m ? m[1] === 'i' : false;
  if (!m || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) {
    fail('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');
  }
  return { signed, bits };
}

function readField(buf: Buffer, offset: number, t: FieldType): bigint {
  let v = 0n;
  for (let i = 0; i < t.bits; i++) {
    // Offsets reach 2^32 + 63 bits: past int32, so no >> or & on them.
    const bit = offset + i;
    const at = Math.floor(bit / 8);
    const byte = at < buf.length ? (buf[at] as number) : 0;
    v = (v << 1n) | BigInt((byte >> (7 - (bit % 8))) & 1);
  }
  if (t.signed && t.bits > 0 && (v >> BigInt(t.bits - 1)) & 1n) v -= 1n << BigInt(t.bits);
  return v;
}

function writeField(buf: Buffer, offset: number, t: FieldType, value: bigint): void {
  const mask = (1n << BigInt(t.bits)) - 1n;
  const u = value & mask;
  for (let i = 0; i < t.bits; i++) {
    const bit = offset + i;
    const on = (u >> BigInt(t.bits - 1 - i)) & 1n;
    const idx = Math.floor(bit / 8);
    const m = 1 << (7 - (bit % 8));
    buf[idx] = on ? (buf[idx] as number) | m : (buf[idx] as number) & ~m;
  }
}

type Overflow = 'wrap' | 'sat' | 'fail';
const I64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/**
 * A field's new value as bitops.c's checkSignedBitfieldOverflow/checkUnsignedBitfieldOverflow decide it
 * (SET checks its value with an increment of 0): null when OVERFLOW FAIL skips the operation. Their
 * bounds wrap as int64 does, which redis-server relies on: SET i1 -9223372036854775808 under SAT
 * stores 0, not -1 (maxincr overflows; seed 91011).
 */
function fieldAfter(t: FieldType, value: bigint, incr: bigint, mode: Overflow): bigint | null {
  const bits = BigInt(t.bits);
  let over: 'high' | 'low' | null = null;
  let max: bigint;
  let min: bigint;
  if (t.signed) {
    max = t.bits === 64 ? (1n << 63n) - 1n : (1n << (bits - 1n)) - 1n;
    min = -max - 1n;
    const maxincr = I64(max - value);
    const minincr = I64(min - value);
    if (value > max || (t.bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) over = 'high';
    else if (value < min || (t.bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) over = 'low';
  } else {
    max = (1n << bits) - 1n;
    min = 0n;
    const maxincr = I64(max - value);
    const minincr = I64(-value);
    if (value > max || (incr > 0n && incr > maxincr)) over = 'high';
    else if (incr < 0n && incr < minincr) over = 'low';
  }
  if (over === null) return value + incr;
  if (mode === 'fail') return null;
  if (mode === 'sat') return over === 'high' ? max : min;
  const sum = U64(value + incr);
  if (!t.signed) return sum & max;
  if (t.bits === 64) return I64(sum);
  const msb = 1n << (bits - 1n);
  const mask = U64(-1n << bits);
  return I64(sum & msb ? sum | mask : sum & ~mask & ((1n << 64n) - 1n));
}

function bitfield(c: Client, a: string[], readOnly: boolean): void {
  type Op = { kind: 'get' | 'set' | 'incrby'; t: FieldType; offset: number; value: bigint; mode: Overflow };
  const ops: Op[] = [];
  let mode: Overflow = 'wrap';
  let writes = false;
  for (let i = 2; i < a.length; ) {
    const word = keyword(a[i] as string);
    if (word === 'overflow' && a[i + 1] !== undefined) {
      const m = keyword(a[i + 1] as string);
      if (m !== 'wrap' && m !== 'sat' && m !== 'fail') fail('ERR Invalid OVERFLOW type specified');
      mode = m;
      i += 2;
      continue;
    }
    if (word === 'get' && i + 2 < a.length + 0 && a[i + 2] !== undefined) {
      const t = parseType(a[i + 1] as string);
      ops.push({ kind: 'get', t, offset: parseBitOffset(a[i + 2] as string, true, t.bits, c.engine.config.protoMaxBulkLen), value: 0n, mode });
      i += 3;
      continue;
    }
    if ((word === 'set' || word === 'incrby') && a[i + 3] !== undefined) {
      const t = parseType(a[i + 1] as string);
      const offset = parseBitOffset(a[i + 2] as string, true, t.bits, c.engine.config.protoMaxBulkLen);
      const value = toI64(a[i + 3] as string);
      if (value === null) fail(E.NOT_INT);
      ops.push({ kind: word, t, offset, value, mode });
      writes = true;
      i += 4;
      continue;
    }
    fail(E.SYNTAX);
  }
  // redis-server parses BITFIELD_RO as BITFIELD (OVERFLOW included) and refuses its writes only once
  // every argument has passed, before it looks the key up.
  if (readOnly && writes) fail('ERR BITFIELD_RO only supports the GET subcommand');
  const key = a[1] as string;
  const cur = getStr(c, key, !writes);
  const maxBit = Math.max(0, ...ops.filter((o) => o.kind !== 'get').map((o) => o.offset + o.t.bits));
  // Filled by the first steps: the copy of a 100 MB string into fresh memory held every node ~90 ms.
  const buf = Buffer.allocUnsafe(Math.max(cur?.length ?? 0, writes ? Math.ceil(maxBit / 8) : 0));
  // lookupStringForBitCommand's dirty: every write that is not refused then counts as a change.
  const grown = writes && (cur === null || buf.length !== cur.length);
  let changed = false;
  const reply = (r: bigint | null) => (r === null ? c.w.nil() : c.w.bigint(r));
  // An op a step, each answered as it runs (100k ops held every node for 0.7 s); the string is stored at the end.
  function* steps(): Generator<void> {
    yield* copySteps(buf, cur);
    for (const op of ops) {
      const old = readField(buf, op.offset, op.t);
      if (op.kind === 'get') {
        reply(old);
        yield;
        continue;
      }
      // An unsigned field's SET value is read as uint64: -1 is past the top, so SAT gives the maximum.
      const next = op.kind === 'set' ? fieldAfter(op.t, op.t.signed ? op.value : U64(op.value), 0n, op.mode) : fieldAfter(op.t, old, op.value, op.mode);
      if (next !== null) {
        writeField(buf, op.offset, op.t, next);
        // Writing the value already there into a string that did not grow is no change for redis-server 7.0 (no setbit event).
        if (next !== old || grown) changed = true;
      }
      reply(next === null ? null : op.kind === 'set' ? old : next);
      yield;
    }
  }
  c.w.array(ops.length);
  runSliced(c, steps(), () => storeField(c, key, buf, writes, changed, grown, cur !== null), writes ? a : undefined);
}

/** BITFIELD's string after its ops: stored when an op changed it or it grew, as redis-server counts it. */
function storeField(c: Client, key: string, buf: Buffer, writes: boolean, changed: boolean, grown: boolean, existed: boolean): void {
  if (changed) store(c, key, buf);
  else if (grown) {
    // Like Redis, a write op creates or grows the string even when OVERFLOW FAIL refuses every write,
    // but redis-server counts no change then (no dirty): no setbit event, nothing propagated, and
    // neither WATCH nor tracking hears of it.
    const stats = c.db.ks.stats;
    const dirty = stats.dirty;
    store(c, key, buf, true);
    stats.dirty = dirty;
  } else if (writes && existed) {
    // Write ops make redis-server take its own raw copy of the string first, change or not.
    const o = c.db.get(key, 'string', false);
    if (o !== null) {
      growSds(o, o.v.length);
      o.enc = 'raw';
    }
  }
}

export const bitmapCommands = defineGroup('bitmap', [
  {
    name: 'setbit',
    arity: 4,
    flags: ['write', 'denyoom'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const offset = parseBitOffset(a[2] as string, false, 1, c.engine.config.protoMaxBulkLen);
      const bit = a[3] === '1' ? 1 : a[3] === '0' ? 0 : fail(E.BIT_VALUE);
      const cur = getStr(c, key, false);
      const byteIdx = byteOf(offset);
      if (cur !== null && byteIdx < cur.length) {
        const byte = cur.charCodeAt(byteIdx);
        const m = 1 << (7 - (offset & 7));
        const old = byte & m ? 1 : 0;
        const next = bit ? byte | m : byte & ~m;
        if (next !== byte) {
          const o = c.db.get(key, 'string', false);
          if (o !== null) {
            growSds(o, cur.length);
            o.v = cur.slice(0, byteIdx) + String.fromCharCode(next) + cur.slice(byteIdx + 1);
            o.enc = 'raw';
            c.db.modified(key);
          }
        } else {
          // An unchanged bit is no write for redis-server 7.0: no event, no dirty, WATCH untouched.
          const o = c.db.get(key, 'string', false);
          if (o !== null) {
            growSds(o, o.v.length);
            o.enc = 'raw';
          }
        }
        return c.w.int(old);
      }
      if (byteIdx >= FAR_BIT_BYTES) {
        // The zeros up to a far bit are a repeat (V8 builds it from a few doubled halves), not a zeroed
        // buffer of that size decoded into a string: SETBIT at bit 800M took ~160 ms of CPU so.
        const pad = '\0'.repeat(byteIdx - (cur?.length ?? 0));
        storeText(c, key, (cur ?? '') + pad + String.fromCharCode(bit ? 1 << (7 - (offset & 7)) : 0));
        return c.w.int(0);
      }
      const buf = toBuffer(cur, byteIdx + 1);
      if (bit) buf[byteIdx] = (buf[byteIdx] as number) | (1 << (7 - (offset & 7)));
      store(c, key, buf);
      c.w.int(0);
    },
  },
  {
    name: 'getbit',
    arity: 3,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const offset = parseBitOffset(a[2] as string, false, 1, c.engine.config.protoMaxBulkLen);
      const s = getStr(c, a[1] as string);
      if (s === null || byteOf(offset) >= s.length) return c.w.int(0);
      c.w.int(bitAt(s, offset));
    },
  },
  { name: 'bitcount', arity: -2, flags: ['readonly'], keys: [1, 1, 1], handler: bitcount },
  { name: 'bitpos', arity: -3, flags: ['readonly'], keys: [1, 1, 1], handler: bitpos },
  { name: 'bitop', arity: -4, flags: ['write', 'denyoom'], keys: [2, -1, 1], handler: bitop },
  { name: 'bitfield', arity: -2, flags: ['write', 'denyoom'], keys: [1, 1, 1], handler: (c, a) => bitfield(c, a, false) },
  { name: 'bitfield_ro', arity: -2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => bitfield(c, a, true) },
]);
