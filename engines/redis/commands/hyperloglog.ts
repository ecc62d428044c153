// HyperLogLog with Redis's hashing (MurmurHash64A), register layout (dense, 6-bit registers) and
// cardinality estimator, so PFCOUNT returns the same numbers as Redis for the same input.
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newString } from '../db/objects.ts';
import { E, fail } from '../errors.ts';

const HLL_P = 14;
const HLL_Q = 64 - HLL_P;
const HLL_REGISTERS = 1 << HLL_P;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
const HLL_HDR_SIZE = 16;
const HLL_DENSE_SIZE = HLL_HDR_SIZE + Math.ceil((HLL_REGISTERS * HLL_BITS) / 8);
const HLL_ALPHA_INF = 0.721347520444481703680;
const INVALID = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

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

function emptyHll(): Buffer {
  const b = Buffer.alloc(HLL_DENSE_SIZE);
  b.write('HYLL', 0, 'latin1');
  return b;
}

const HLL_DENSE = 0;
const HLL_SPARSE = 1;

/**
 * Expands Redis's sparse encoding (ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx) into dense
 * registers; such values come from real Redis, e.g. through a loaded snapshot. Null if malformed.
 */
function sparseToDense(v: string): Buffer | null {
  const out = emptyHll();
  let reg = 0;
  for (let i = HLL_HDR_SIZE; i < v.length; ) {
    const op = v.charCodeAt(i);
    if ((op & 0xc0) === 0x00) {
      reg += (op & 0x3f) + 1;
      i++;
    } else if ((op & 0xc0) === 0x40) {
      if (i + 1 >= v.length) return null;
      reg += (((op & 0x3f) << 8) | v.charCodeAt(i + 1)) + 1;
      i += 2;
    } else {
      const value = ((op >> 2) & 0x1f) + 1;
      const run = (op & 0x03) + 1;
      if (reg + run > HLL_REGISTERS) return null;
      for (let k = 0; k < run; k++) setReg(out, reg++, value);
      i++;
    }
    if (reg > HLL_REGISTERS) return null;
  }
  return reg === HLL_REGISTERS ? out : null;
}

/** Reads an HLL value (dense, or sparse as written by Redis) as dense registers; null if the key is missing. */
function load(c: Client, key: string, read = true): Buffer | null {
  const o = c.db.lookup(key, read);
  if (o === null) return null;
  if (o.type !== 'string') fail(E.WRONGTYPE);
  if (o.v.length < HLL_HDR_SIZE || !o.v.startsWith('HYLL')) fail(INVALID);
  const enc = o.v.charCodeAt(4);
  if (enc === HLL_DENSE && o.v.length === HLL_DENSE_SIZE) return Buffer.from(o.v, 'latin1');
  if (enc === HLL_SPARSE) {
    const dense = sparseToDense(o.v);
    if (dense !== null) return dense;
  }
  fail(INVALID);
}

function save(c: Client, key: string, p: Buffer): void {
  const v = p.latin1Slice(0, p.length);
  const o = c.db.lookup(key, false);
  if (o !== null && o.type === 'string') {
    o.v = v;
    o.enc = 'raw';
    c.db.modified(key);
  } else {
    c.db.set(key, newString(v, 'raw'));
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

export const hyperloglogCommands = defineGroup('hyperloglog', [
  {
    name: 'pfadd',
    arity: -2,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const key = a[1] as string;
      const existing = load(c, key, false);
      const p = existing ?? emptyHll();
      let updated = existing === null;
      for (let i = 2; i < a.length; i++) {
        const [idx, n] = patternOf(a[i] as string);
        if (getReg(p, idx) < n) {
          setReg(p, idx, n);
          updated = true;
        }
      }
      if (updated) save(c, key, p);
      c.w.int(updated ? 1 : 0);
    },
  },
  {
    name: 'pfcount',
    arity: -2,
    flags: ['readonly'],
    keys: [1, -1, 1],
    handler: (c, a) => {
      if (a.length === 2) {
        const p = load(c, a[1] as string);
        return c.w.int(p === null ? 0 : count((i) => getReg(p, i)));
      }
      const max = new Uint8Array(HLL_REGISTERS);
      for (let k = 1; k < a.length; k++) {
        const p = load(c, a[k] as string);
        if (p === null) continue;
        for (let i = 0; i < HLL_REGISTERS; i++) {
          const r = getReg(p, i);
          if (r > (max[i] as number)) max[i] = r;
        }
      }
      c.w.int(count((i) => max[i] as number));
    },
  },
  {
    name: 'pfmerge',
    arity: -2,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 1],
    handler: (c, a) => {
      const dest = a[1] as string;
      const out = load(c, dest, false) ?? emptyHll();
      for (let k = 2; k < a.length; k++) {
        const p = load(c, a[k] as string);
        if (p === null) continue;
        for (let i = 0; i < HLL_REGISTERS; i++) {
          const r = getReg(p, i);
          if (r > getReg(out, i)) setReg(out, i, r);
        }
      }
      save(c, dest, out);
      c.w.ok();
    },
  },
]);
