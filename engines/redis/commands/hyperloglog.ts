// HyperLogLog with Redis's hashing (MurmurHash64A), both of its encodings (sparse opcodes and
// dense 6-bit registers), its cached-cardinality header and its estimator, so PFCOUNT returns the
// same numbers and GET returns the same bytes as Redis for the same input.
import { keyword } from './util.ts';
import { asCString } from '../c-string.ts';
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newString } from '../db/objects.ts';
import { exactSds, makeRoom, sdsOf, setSds, type SdsRoom } from '../db/sds-growth.ts';
import { E, fail } from '../errors.ts';
import { runSliced } from '../sliced.ts';

const HLL_P = 14;
const HLL_Q = 64 - HLL_P;
const HLL_REGISTERS = 1 << HLL_P;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
const HLL_HDR_SIZE = 16;
const HLL_DENSE_SIZE = HLL_HDR_SIZE + Math.ceil((HLL_REGISTERS * HLL_BITS) / 8);
const HLL_ALPHA_INF = 0.721347520444481703680;
const INVALID = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
/** A value that passed the header checks but whose registers cannot be read. */
const CORRUPTED = 'INVALIDOBJ Corrupted HLL object detected';

const M64 = (1n << 64n) - 1n;
const MURMUR_M = 0xc6a4a7935bd1e995n;
const MURMUR_SEED = 0xadc83b19n;

function murmur64a(data: Buffer): bigint {
  const len = data.length;
  let h = (MURMUR_SEED ^ ((BigInt(len) * MURMUR_M) & M64)) & M64;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = data.readBigUInt64LE(i);
    k = (k * MURMUR_M) & M64;
    k ^= k >> 47n;
    k = (k * MURMUR_M) & M64;
    h ^= k;
    h = (h * MURMUR_M) & M64;
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let i = rest - 1; i >= 0; i--) h ^= BigInt(data[blocks + i] as number) << BigInt(8 * i);
    h = (h * MURMUR_M) & M64;
  }
  h ^= h >> 47n;
  h = (h * MURMUR_M) & M64;
  h ^= h >> 47n;
  return h;
}

/** Register index and run length of zeros + 1 for an element, exactly as Redis computes them. */
function patternOf(element: string): [number, number] {
  let hash = murmur64a(Buffer.from(element, 'latin1'));
  const index = Number(hash & BigInt(HLL_REGISTERS - 1));
  hash >>= BigInt(HLL_P);
  hash |= 1n << BigInt(HLL_Q);
  let count = 1;
  let bit = 1n;
  while ((hash & bit) === 0n) {
    count++;
    bit <<= 1n;
  }
  return [index, count];
}

function getReg(p: Buffer, i: number): number {
  const byte = HLL_HDR_SIZE + ((i * HLL_BITS) >> 3);
  const fb = (i * HLL_BITS) & 7;
  const b0 = p[byte] as number;
  const b1 = (p[byte + 1] ?? 0) as number;
  return ((b0 >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

function setReg(p: Buffer, i: number, v: number): void {
  const byte = HLL_HDR_SIZE + ((i * HLL_BITS) >> 3);
  const fb = (i * HLL_BITS) & 7;
  const fb8 = 8 - fb;
  p[byte] = ((p[byte] as number) & ~(HLL_REGISTER_MAX << fb)) | ((v << fb) & 0xff);
  if (byte + 1 < p.length) p[byte + 1] = ((p[byte + 1] as number) & ~(HLL_REGISTER_MAX >> fb8)) | (v >> fb8);
}

const HLL_DENSE = 0;
const HLL_SPARSE = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const CARD_OFFSET = 8;

/** A value being worked on: the whole Redis string (header + sparse opcodes or dense registers). */
interface Hll {
  bytes: Buffer;
  /** hll-sparse-max-bytes when the command started: a sparse value growing past it becomes dense. */
  sparseMax: number;
  /** The sds holding it: hllSparseSet asks sdsMakeRoomFor for 3 bytes each time, so a sparse value keeps spare room. */
  room: SdsRoom;
}

function encodingOf(h: Hll): number {
  return h.bytes[4] as number;
}

function invalidateCache(h: Hll): void {
  h.bytes[CARD_OFFSET + 7] = (h.bytes[CARD_OFFSET + 7] as number) | 0x80;
}

function cacheValid(h: Hll): boolean {
  return ((h.bytes[CARD_OFFSET + 7] as number) & 0x80) === 0;
}

/** A new HLL, as Redis creates it: sparse, every register in XZERO runs. */
function createHll(sparseMax: number): Hll {
  const b = Buffer.alloc(HLL_HDR_SIZE + 2);
  b.write('HYLL', 0, 'latin1');
  b[4] = HLL_SPARSE;
  const run = HLL_REGISTERS - 1;
  b[HLL_HDR_SIZE] = 0x40 | (run >> 8);
  b[HLL_HDR_SIZE + 1] = run & 0xff;
  return { bytes: b, sparseMax, room: exactSds(b.length) };
}

const isZero = (op: number) => (op & 0xc0) === 0x00;
const isXZero = (op: number) => (op & 0xc0) === 0x40;
const valValue = (op: number) => ((op >> 2) & 0x1f) + 1;
const valLen = (op: number) => (op & 0x03) + 1;
const valOp = (value: number, len: number) => 0x80 | ((value - 1) << 2) | (len - 1);

/** Walks sparse opcodes, calling visit(firstRegister, runLength, value); false if malformed. */
function walkSparse(b: Buffer, visit: (first: number, len: number, value: number) => void): boolean {
  let reg = 0;
  for (let i = HLL_HDR_SIZE; i < b.length; ) {
    const op = b[i] as number;
    let len: number;
    let value = 0;
    if (isZero(op)) {
      len = (op & 0x3f) + 1;
      i++;
    } else if (isXZero(op)) {
      if (i + 1 >= b.length) return false;
      len = (((op & 0x3f) << 8) | (b[i + 1] as number)) + 1;
      i += 2;
    } else {
      len = valLen(op);
      value = valValue(op);
      i++;
    }
    if (reg + len > HLL_REGISTERS) return false;
    visit(reg, len, value);
    reg += len;
  }
  return reg === HLL_REGISTERS;
}

/** Converts to dense in place, keeping the header (and so the cached cardinality) like Redis. */
function toDense(h: Hll): boolean {
  if (encodingOf(h) === HLL_DENSE) return true;
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  h.bytes.copy(dense, 0, 0, HLL_HDR_SIZE);
  dense[4] = HLL_DENSE;
  const ok = walkSparse(h.bytes, (first, len, value) => {
    if (value !== 0) for (let k = 0; k < len; k++) setReg(dense, first + k, value);
  });
  if (!ok) return false;
  h.bytes = dense;
  h.room = exactSds(dense.length);
  return true;
}

function denseSet(h: Hll, index: number, count: number): number {
  if (getReg(h.bytes, index) >= count) return 0;
  setReg(h.bytes, index, count);
  return 1;
}

/**
 * Redis's hllSparseSet: split the opcode covering `index`, then merge equal neighbours. Works on
 * the bytes directly (one copy per growth, memmove-style merges): a PFADD of thousands of elements
 * runs this once per element and must not hold the event loop.
 */
function sparseSet(h: Hll, index: number, count: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promoteAndSet(h, index, count);
  h.room = makeRoom(h.room, h.bytes.length, 3);
  let b = h.bytes;
  const end = b.length;
  let p = HLL_HDR_SIZE;
  let prev = -1;
  let first = 0;
  let span = 0;
  while (p < end) {
    const op = b[p] as number;
    const oplen = isXZero(op) ? 2 : 1;
    span = isZero(op) ? (op & 0x3f) + 1 : isXZero(op) ? (((op & 0x3f) << 8) | (b[p + 1] as number)) + 1 : valLen(op);
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = b[p] as number;
  const zero = isZero(op);
  const xzero = isXZero(op);
  const runlen = zero ? (op & 0x3f) + 1 : xzero ? span : valLen(op);
  let updated = false;
  if (!zero && !xzero) {
    if (valValue(op) >= count) return 0;
    if (runlen === 1) {
      b[p] = valOp(count, 1);
      updated = true;
    }
  }
  if (!updated && zero && runlen === 1) {
    b[p] = valOp(count, 1);
    updated = true;
  }
  if (!updated) {
    const seq: number[] = [];
    const last = first + span - 1;
    const zeroRun = (len: number) => {
      if (len > SPARSE_ZERO_MAX_LEN) seq.push(0x40 | ((len - 1) >> 8), (len - 1) & 0xff);
      else seq.push(len - 1);
    };
    if (zero || xzero) {
      if (index !== first) zeroRun(index - first);
      seq.push(valOp(count, 1));
      if (index !== last) zeroRun(last - index);
    } else {
      const cur = valValue(op);
      if (index !== first) seq.push(valOp(cur, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(cur, last - index));
    }
    const oldlen = xzero ? 2 : 1;
    if (seq.length - oldlen > 0 && end + seq.length - oldlen > h.sparseMax) return promoteAndSet(h, index, count);
    const next = Buffer.allocUnsafe(end - oldlen + seq.length);
    b.copy(next, 0, 0, p);
    for (let i = 0; i < seq.length; i++) next[p + i] = seq[i] as number;
    b.copy(next, p + seq.length, p + oldlen, end);
    b = next;
  }
  // Merge adjacent VAL opcodes with the same value, scanning at most 5 opcodes from prev.
  let len = b.length;
  let q = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (q < len && scan-- > 0) {
    const o = b[q] as number;
    if (isXZero(o)) {
      q += 2;
      continue;
    }
    if (isZero(o)) {
      q++;
      continue;
    }
    if (q + 1 < len) {
      const n = b[q + 1] as number;
      if (!isZero(n) && !isXZero(n) && valValue(o) === valValue(n)) {
        const merged = valLen(o) + valLen(n);
        if (merged <= SPARSE_VAL_MAX_LEN) {
          b[q] = valOp(valValue(o), merged);
          b.copy(b, q + 1, q + 2, len);
          len--;
          continue;
        }
      }
    }
    q++;
  }
  h.bytes = len === b.length ? b : b.subarray(0, len);
  invalidateCache(h);
  return 1;
}

function promoteAndSet(h: Hll, index: number, count: number): number {
  if (!toDense(h)) return -1;
  return denseSet(h, index, count);
}

function hllAdd(h: Hll, element: string): number {
  const [index, count] = patternOf(element);
  return encodingOf(h) === HLL_DENSE ? denseSet(h, index, count) : sparseSet(h, index, count);
}

/** Register values of any valid HLL, or null when malformed. */
function registers(h: Hll): Uint8Array | null {
  const regs = new Uint8Array(HLL_REGISTERS);
  if (encodingOf(h) === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) regs[i] = getReg(h.bytes, i);
    return regs;
  }
  const ok = walkSparse(h.bytes, (first, len, value) => {
    if (value !== 0) regs.fill(value, first, first + len);
  });
  return ok ? regs : null;
}

/** Reads the HLL at key (either encoding); null if missing; WRONGTYPE for anything else. */
function load(c: Client, key: string, read = true): Hll | null {
  const sparseMax = Number(c.engine.config.get('hll-sparse-max-bytes'));
  const o = c.db.lookup(key, read);
  if (o === null) return null;
  if (o.type !== 'string') fail(E.WRONGTYPE);
  const v = o.v;
  if (v.length < HLL_HDR_SIZE || !v.startsWith('HYLL')) fail(INVALID);
  const enc = v.charCodeAt(4);
  if ((enc === HLL_DENSE && v.length === HLL_DENSE_SIZE) || enc === HLL_SPARSE) return { bytes: Buffer.from(v, 'latin1'), sparseMax, room: sdsOf(o) };
  fail(INVALID);
}

/**
 * dbUnshareStringValue without a change: PFADD makes its key's value a raw string of its own before
 * adding, also when nothing was added (an embstr a load made is raw after it, seed 111910). No signal.
 */
function unshare(c: Client, key: string, h: Hll): void {
  const o = c.db.lookup(key, false);
  if (o === null || o.type !== 'string' || o.enc === 'raw') return;
  o.enc = 'raw';
  o.held = undefined;
  setSds(o, h.room);
}

function save(c: Client, key: string, h: Hll, unseen = false): void {
  const v = h.bytes.latin1Slice(0, h.bytes.length);
  const o = c.db.lookup(key, false);
  if (o !== null && o.type === 'string') {
    o.v = v;
    o.enc = 'raw';
    setSds(o, h.room);
    c.db.modified(key, unseen);
  } else {
    const n = newString(v, 'raw');
    setSds(n, h.room);
    c.db.set(key, n);
  }
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    z -= Math.pow(1 - x, 2) * y;
  } while (zPrime !== z);
  return z / 3;
}

function count(regs: (i: number) => number): number {
  const m = HLL_REGISTERS;
  const histo = new Array<number>(64).fill(0);
  for (let i = 0; i < m; i++) histo[regs(i)]++;
  let z = m * tau((m - (histo[HLL_Q + 1] as number)) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histo[j] as number;
    z *= 0.5;
  }
  z += m * sigma((histo[0] as number) / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

/** The registers of the HLLs `a` names into `m.max`, a key a step (10k HLLs held every node 0.7 s); `read`: from which one the lookup counts as a read. */
function* mergeSteps(c: Client, a: string[], read: number, m: { max: Uint8Array; dense: boolean }): Generator<void> {
  const max = m.max;
  for (let k = 1; k < a.length; k++) {
    const h = load(c, a[k] as string, k >= read);
    if (h === null) continue;
    if (encodingOf(h) === HLL_DENSE) m.dense = true;
    const regs = registers(h);
    if (regs === null) fail(CORRUPTED);
    for (let i = 0; i < HLL_REGISTERS; i++) if ((regs[i] as number) > (max[i] as number)) max[i] = regs[i] as number;
    yield;
  }
}

/** PFMERGE's end: `max` set into the destination (made dense when a source was), stored in one turn. */
function mergeInto(c: Client, dest: string, max: Uint8Array, useDense: boolean): void {
  const out = load(c, dest, false) ?? createHll(Number(c.engine.config.get('hll-sparse-max-bytes')));
  if (useDense && !toDense(out)) fail(CORRUPTED);
  for (let i = 0; i < HLL_REGISTERS; i++) {
    const v = max[i] as number;
    if (v === 0) continue;
    if (encodingOf(out) === HLL_DENSE) denseSet(out, i, v);
    else if (sparseSet(out, i, v) < 0) fail(CORRUPTED);
  }
  invalidateCache(out);
  save(c, dest, out);
  c.w.ok();
}

/**
 * PFSELFTEST: the register codec round-trips every value at every index, and a sparse and a dense
 * HLL fed the same elements agree and stay within the estimator's error. Smaller than Redis's run
 * (10M elements) so the shared event loop is held for milliseconds, not seconds.
 */
function selfTest(c: Client): void {
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  for (let round = 0; round < 2; round++) {
    const want = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) {
      want[i] = (i * 7 + round * 13 + (i >> 5)) & HLL_REGISTER_MAX;
      setReg(dense, i, want[i] as number);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const got = getReg(dense, i);
      if (got !== want[i]) return c.w.error(`TESTFAILED Register error at index ${i}: expected ${want[i]}, got ${got}`);
    }
  }
  const sparse = createHll(Number.MAX_SAFE_INTEGER);
  const full = createHll(0);
  if (!toDense(full)) return c.w.error('TESTFAILED cannot create a dense HLL');
  const relErr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  for (let n = 1; n <= 1000; n++) {
    const e = `selftest:${n}`;
    if (hllAdd(sparse, e) < 0 || hllAdd(full, e) < 0) return c.w.error('TESTFAILED sparse HLL could not be updated');
    if (n !== checkpoint) continue;
    checkpoint *= 10;
    const a = registers(sparse);
    const b = registers(full);
    if (a === null || b === null) return c.w.error('TESTFAILED HLL registers could not be read');
    const ca = count((i) => a[i] as number);
    const cb = count((i) => b[i] as number);
    if (ca !== cb) return c.w.error(`TESTFAILED dense/sparse disagree: ${cb} != ${ca}`);
    const err = Math.abs(n - cb) / n;
    if (err > relErr * 5 && Math.abs(n - cb) > 1) return c.w.error(`TESTFAILED Too big error. card:${n} abserr:${Math.abs(n - cb)}`);
  }
  c.w.ok();
}

export const hyperloglogCommands = defineGroup('hyperloglog', [
  {
    name: 'pfadd',
    arity: -2,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const existing = load(c, key, false);
      const h = existing ?? createHll(Number(c.engine.config.get('hll-sparse-max-bytes')));
      let updated = existing === null ? 1 : 0;
      for (let i = 2; i < a.length; i++) {
        const r = hllAdd(h, a[i] as string);
        if (r < 0) fail(CORRUPTED);
        updated += r;
      }
      if (updated > 0) {
        invalidateCache(h);
        save(c, key, h);
      } else if (existing !== null) unshare(c, key, h);
      c.w.int(updated > 0 ? 1 : 0);
    },
  },
  {
    name: 'pfcount',
    arity: -2,
    flags: ['readonly', 'may_replicate'],
    keys: [1, -1, 1],
    handler: (c, a) => {
      if (a.length === 2) {
        const key = a[1] as string;
        const h = load(c, key);
        if (h === null) return c.w.int(0);
        if (cacheValid(h)) return c.w.int(Number(h.bytes.readBigUInt64LE(CARD_OFFSET)));
        const regs = registers(h);
        if (regs === null) fail(CORRUPTED);
        const card = count((i) => regs[i] as number);
        // Redis stores the estimate in the header: reading can change the value's bytes.
        h.bytes.writeBigUInt64LE(BigInt(card), CARD_OFFSET);
        save(c, key, h);
        return c.w.int(card);
      }
      const m = { max: new Uint8Array(HLL_REGISTERS), dense: false };
      runSliced(c, mergeSteps(c, a, 1, m), () => c.w.int(count((i) => m.max[i] as number)));
    },
  },
  {
    name: 'pfmerge',
    arity: -2,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 1],
    handler: (c, a) => {
      const dest = a[1] as string;
      const m = { max: new Uint8Array(HLL_REGISTERS), dense: false };
      // redis-server reads the destination first like every source (a keyspace hit or miss, keymiss).
      c.db.slotOf(dest);
      // Like Redis, the destination's own registers take part in the merge.
      runSliced(c, mergeSteps(c, a, 2, m), () => mergeInto(c, dest, m.max, m.dense), a);
    },
  },
  { name: 'pfselftest', arity: 1, flags: ['admin'], handler: (c) => selfTest(c) },
  {
    name: 'pfdebug',
    arity: 3,
    keys: [2, 2, 1],
    handler: (c, a) => {
      const sub = keyword(a[1] as string);
      const key = a[2] as string;
      if (c.db.lookup(key, false) === null) fail('ERR The specified key does not exist');
      const h = load(c, key, false) as Hll;
      switch (sub) {
        case 'getreg': {
          // Reading the registers leaves the value dense, as in Redis, which counts it dirty without
          // signalling the key: WATCH and client tracking see no change.
          if (encodingOf(h) === HLL_SPARSE) {
            if (!toDense(h)) fail(CORRUPTED);
            save(c, key, h, true);
          }
          c.w.array(HLL_REGISTERS);
          for (let i = 0; i < HLL_REGISTERS; i++) c.w.int(getReg(h.bytes, i));
          return;
        }
        case 'decode':
          if (encodingOf(h) !== HLL_SPARSE) fail('ERR HLL encoding is not sparse');
          return c.w.bulk(decodeSparse(h.bytes));
        case 'encoding':
          return c.w.simple(encodingOf(h) === HLL_SPARSE ? 'sparse' : 'dense');
        case 'todense': {
          if (encodingOf(h) !== HLL_SPARSE) return c.w.int(0);
          if (!toDense(h)) fail(CORRUPTED);
          save(c, key, h, true);
          return c.w.int(1);
        }
        default:
          fail(`ERR Unknown PFDEBUG subcommand '${asCString(a[1] as string)}'`);
      }
    },
  },
]);

/** PFDEBUG DECODE's listing of sparse opcodes: z:len (ZERO), Z:len (XZERO), v:value,len (VAL). */
function decodeSparse(b: Buffer): string {
  const out: string[] = [];
  for (let i = HLL_HDR_SIZE; i < b.length; ) {
    const op = b[i] as number;
    if (isZero(op)) {
      out.push(`z:${(op & 0x3f) + 1}`);
      i++;
    } else if (isXZero(op)) {
      out.push(`Z:${(((op & 0x3f) << 8) | (b[i + 1] ?? 0)) + 1}`);
      i += 2;
    } else {
      out.push(`v:${valValue(op)},${valLen(op)}`);
      i++;
    }
  }
  return out.join(' ');
}
