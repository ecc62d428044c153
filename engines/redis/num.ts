// Number parsing and printing with Redis's exact rules.
import { E, fail } from './errors.ts';

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const INT_RE = /^(?:0|-?[1-9][0-9]*)$/;

/** Redis's string2ll: no spaces, no '+', no leading zeros, within int64. */
export function toI64(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !INT_RE.test(s)) return null;
  const v = BigInt(s);
  return v < I64_MIN || v > I64_MAX ? null : v;
}

/** Same rules as toI64, as a JS number (exact below 2^53, which covers counts and indexes). */
export function toInt(s: string): number | null {
  if (s.length < 16) {
    if (!INT_RE.test(s)) return null;
    return Number(s);
  }
  const v = toI64(s);
  return v === null ? null : Number(v);
}

export function parseIntArg(s: string, err: string = E.NOT_INT): number {
  const v = toInt(s);
  if (v === null) fail(err);
  return v;
}

export function parseI64Arg(s: string): bigint {
  const v = toI64(s);
  if (v === null) fail(E.NOT_INT);
  return v;
}

export function inI64(v: bigint): boolean {
  return v >= I64_MIN && v <= I64_MAX;
}

const FLOAT_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INF_RE = /^[+-]?inf(?:inity)?$/i;

/** strtod-like parse accepting inf/-inf; null for NaN, spaces or trailing garbage. */
export function toFloat(s: string): number | null {
  if (FLOAT_RE.test(s)) return Number(s);
  if (INF_RE.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  return null;
}

// --- x87 80-bit long double emulation for INCRBYFLOAT/HINCRBYFLOAT ---
// Redis adds in long double and prints "%.17Lf" with trailing zeros stripped; doing the same on a
// 64-bit mantissa gives byte-identical results (e.g. 0.1 + 0.2 prints "0.3").

interface LongDouble {
  neg: boolean;
  m: bigint; // 64-bit mantissa, 0n for zero
  e: number; // value = m * 2^e
}

const MANT_BITS = 64;

function bitLen(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** Rounds num/den * 2^exp2 (num, den > 0) to a 64-bit mantissa, ties to even. */
function roundLd(neg: boolean, num: bigint, den: bigint, exp2: number): LongDouble {
  if (num === 0n) return { neg, m: 0n, e: 0 };
  let shift = MANT_BITS - (bitLen(num) - bitLen(den));
  for (;;) {
    const n = shift >= 0 ? num << BigInt(shift) : num;
    const d = shift >= 0 ? den : den << BigInt(-shift);
    let q = n / d;
    const r = n % d;
    if (q >= 1n << BigInt(MANT_BITS)) {
      shift--;
      continue;
    }
    if (q < 1n << BigInt(MANT_BITS - 1)) {
      shift++;
      continue;
    }
    const twice = r * 2n;
    if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
    if (q === 1n << BigInt(MANT_BITS)) return { neg, m: q >> 1n, e: exp2 - shift + 1 };
    return { neg, m: q, e: exp2 - shift };
  }
}

const DEC_RE = /^([+-])?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;

function parseLd(s: string): LongDouble | null {
  const m = DEC_RE.exec(s);
  if (!m) return null;
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  if (intPart.length + frac.length === 0) return null;
  const exp10 = Number(m[4] ?? '0') - frac.length;
  if (Math.abs(exp10) > 5000) return null;
  const digits = BigInt(intPart + frac || '0');
  const neg = m[1] === '-';
  if (exp10 >= 0) return roundLd(neg, digits * 10n ** BigInt(exp10), 1n, 0);
  return roundLd(neg, digits, 10n ** BigInt(-exp10), 0);
}

function addLd(a: LongDouble, b: LongDouble): LongDouble {
  const e = Math.min(a.e, b.e);
  const av = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const bv = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = av + bv;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 };
  return roundLd(sum < 0n, sum < 0n ? -sum : sum, 1n, e);
}

function printLd(v: LongDouble): string {
  const scale = 10n ** 17n;
  let scaled: bigint;
  if (v.e >= 0) {
    scaled = (v.m << BigInt(v.e)) * scale;
  } else {
    const num = v.m * scale;
    const den = 1n << BigInt(-v.e);
    scaled = num / den;
    const twice = (num % den) * 2n;
    if (twice > den || (twice === den && (scaled & 1n) === 1n)) scaled += 1n;
  }
  let digits = scaled.toString().padStart(18, '0');
  digits = digits.slice(0, -17) + '.' + digits.slice(-17);
  digits = digits.replace(/0+$/, '').replace(/\.$/, '');
  return (v.neg && scaled !== 0n ? '-' : '') + digits;
}

/** A huge but finite long double bound: beyond it Redis's addition would be inf in practice. */
const LD_MAX_EXP = 16384;

/** Adds `incr` to `current` (both strings) as Redis's INCRBYFLOAT does; throws Redis's errors. */
export function incrByFloat(current: string | null, incr: string): string {
  const a = current === null ? { neg: false, m: 0n, e: 0 } : parseLd(current);
  if (a === null) fail(E.NOT_FLOAT);
  const b = parseLd(incr);
  if (b === null) {
    if (INF_RE.test(incr)) fail(E.NAN_INF);
    fail(E.NOT_FLOAT);
  }
  const sum = addLd(a, b);
  if (sum.m !== 0n && sum.e + MANT_BITS > LD_MAX_EXP) fail(E.NAN_INF);
  return printLd(sum);
}

/** A finite double printed the way Redis's addReplyHumanLongDouble does ("%.17Lf", zeros trimmed). */
export function formatHumanDouble(d: number): string {
  if (d === 0) return '0';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const neg = hi >>> 31 === 1;
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const m = exp === 0 ? frac : frac | (1n << 52n);
  const e = (exp === 0 ? 1 : exp) - 1075;
  return printLd({ neg, m, e });
}
