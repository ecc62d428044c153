// Number <-> bytes conversions with Redis's exact rules, shared by every encoder and decoder here.
import { RdbError } from './errors.ts';
import { formatDouble } from '../resp/writer.ts';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * The integer a byte string spells if, and only if, Redis would treat it as one (its string2ll):
 * optional '-', no '+', no leading zeros, no "-0", within int64. Anything else stays a string,
 * because re-encoding it as an integer would change the bytes a client reads back.
 */
export function parseCanonicalInt(b: Uint8Array): bigint | null {
  const n = b.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  const neg = b[0] === 0x2d;
  if (neg) {
    if (n === 1) return null;
    i = 1;
  }
  const first = b[i] as number;
  if (first === 0x30) return n === 1 ? 0n : null;
  if (first < 0x31 || first > 0x39) return null;
  for (let j = i + 1; j < n; j++) {
    const c = b[j] as number;
    if (c < 0x30 || c > 0x39) return null;
  }
  // Short values avoid BigInt parsing of a string; 15 digits cannot overflow a double's mantissa.
  const v = n - i <= 15 ? BigInt(Number(Buffer.from(b.buffer, b.byteOffset, n).toString('latin1'))) : BigInt(Buffer.from(b.buffer, b.byteOffset, n).toString('latin1'));
  if (v < INT64_MIN || v > INT64_MAX) return null;
  return v;
}

export function intToBuffer(v: bigint | number): Buffer {
  return Buffer.from(String(v), 'latin1');
}

/**
 * Formats a sorted-set score as redis-server 7.0 stores it in a listpack (d2string): integral values
 * as integers (so the listpack encodes them as ints), "inf"/"-inf", "-0", otherwise "%.17g", so 0.1
 * is stored as 0.10000000000000001 and DUMP payloads match byte for byte.
 */
export function formatScore(score: number): Buffer {
  if (Number.isNaN(score)) throw new RdbError('INVALID_INPUT', 'sorted set score is NaN');
  return Buffer.from(formatDouble(score));
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a score as Redis's strtod would for the texts Redis writes; rejects NaN and garbage. */
export function parseScore(b: Uint8Array | bigint): number {
  if (typeof b === 'bigint') return Number(b);
  const s = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!FLOAT_RE.test(s)) throw new RdbError('CORRUPT', `bad sorted set score ${JSON.stringify(s.slice(0, 40))}`);
  return Number(s);
}
