// Number parsing and printing with Redis's exact rules.
import { E, fail } from './errors.ts';

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;
const INT_RE = /^(?:0|-?[1-9][0-9]*)$/;

/** Redis's string2ll: no spaces, no '+', no leading zeros, within int64. */
export function toI64(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !INT_RE.test(s)) return null;
  const v = BigInt(s);
  return v < I64_MIN || v > I64_MAX ? null : v;
}

/**
 * Whether C's errno holds ERANGE in redis-server's main thread. SORT reads errno after its strtod
 * without clearing it first, so a number out of a double's range that an earlier command parsed (a
 * score bound of 1e400, a ZADD score of 1e400 or 4.9e-324) makes SORT refuse a set's numbers until
 * something sets errno again. Each node keeps its own: errnoEnter before each command brings it
 * in, and `node` says whose it is now.
 */
export const cErrno: { range: boolean; owner: object | null } = { range: false, owner: null };
/** The errno of the nodes not running now (the running one's is cErrno.range), by owner token. */
const errnoOf = new WeakMap<object, boolean>();

/**
 * Each node's errno is filed under a small token object the node carries, not under the node: the
 * check before every command is then one comparison (a WeakRef's deref cost 3% of an INCR), and
 * cErrno holding the last token strongly keeps no node, only the token, in memory.
 */
const OWNER = Symbol('errno owner');
type Owned = object & { [OWNER]?: object };
const ownerOf = (node: Owned): object => (node[OWNER] ??= {});

/** Before each command of `node`: its errno comes in (a lookup only when another node ran last). */
export function errnoEnter(node: object): void {
  const owner = ownerOf(node);
  const current = cErrno.owner;
  if (current === owner) return;
  if (current !== null) errnoOf.set(current, cErrno.range);
  cErrno.range = errnoOf.get(owner) ?? false;
  cErrno.owner = owner;
}

/** Whether cErrno is `node`'s now. */
export const errnoIsOf = (node: object): boolean => cErrno.owner === ownerOf(node);

/**
 * A connection accepted: redis-server's accept loop ends in EAGAIN, which replaces an ERANGE. Also
 * an event loop turn's end while a client tracks BCAST prefixes: beforeSleep walks the prefix table
 * to its end, and raxNext at the end sets errno to 0 (seed 102276).
 */
export function errnoAccepted(node: object): void {
  const owner = ownerOf(node);
  if (cErrno.owner === owner) cErrno.range = false;
  else errnoOf.set(owner, false);
}

export const U64_MAX = 2n ** 64n - 1n;
const STRTOULL_RE = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/;

/** Redis's string2ull: string2ll when it can, else C's strtoull (spaces, '+', '-' that wraps). */
export function toU64(s: string): bigint | null {
  const v = toI64(s);
  if (v !== null) return v < 0n ? null : v;
  const m = STRTOULL_RE.exec(s);
  cErrno.range = m !== null && BigInt(m[2] as string) > U64_MAX;
  if (!m || m[0].length !== s.length) return null;
  const n = BigInt(m[2] as string);
  if (n > U64_MAX) return null;
  return m[1] === '-' ? (U64_MAX + 1n - n) & U64_MAX : n;
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

/** Redis's getIntFromObjectOrReply: an int64, then the int range; `err` (when given) replaces both texts. */
export function parseInt32Arg(s: string, err?: string): number {
  const v = parseIntArg(s, err);
  if (v < -2147483648 || v > 2147483647) fail(err ?? 'ERR value is out of range, value must between -2147483648 and 2147483647');
  return v;
}

/** Redis's getRangeLongFromObjectOrReply with its own message: one text for "not a number" and "out of range". */
export function parseRangeIntArg(s: string, min: number, max: number, err: string): number {
  const v = toInt(s);
  if (v === null || v < min || v > max) fail(err);
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

const INF_RE = /^[+-]?inf(?:inity)?$/i;

/** What C's strtod makes of a string: the value, how many chars it consumed, and errno == ERANGE. */
export interface Strtod {
  value: number;
  end: number;
  erange: boolean;
}

const SPACE_RE = /^[ \t\n\v\f\r]*/;
const DEC_PART_RE = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
const HEX_PART_RE = /^0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?/;
const SPECIAL_RE = /^(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;
const DBL_MIN = 2.2250738585072014e-308;

/** glibc strtod, so every place Redis calls it accepts and rejects the same strings. */
export function strtod(s: string): Strtod {
  const lead = (SPACE_RE.exec(s) as RegExpExecArray)[0].length;
  let i = lead;
  const neg = s[i] === '-';
  if (s[i] === '-' || s[i] === '+') i++;
  const rest = s.slice(i);
  const sign = neg ? -1 : 1;
  const special = SPECIAL_RE.exec(rest);
  if (special) {
    const isNan = special[0][0] === 'n' || special[0][0] === 'N';
    return { value: isNan ? NaN : sign * Infinity, end: i + special[0].length, erange: false };
  }
  const hex = HEX_PART_RE.exec(rest);
  if (hex) {
    const body = hex[1] as string;
    const dot = body.indexOf('.');
    const digits = dot < 0 ? body : body.slice(0, dot) + body.slice(dot + 1);
    const fracDigits = dot < 0 ? 0 : body.length - dot - 1;
    const mant = BigInt('0x' + (digits || '0'));
    const exp = Number(hex[2] ?? '0') - 4 * fracDigits;
    return finish(sign, mant === 0n ? 0 : Number(mant) * 2 ** exp, mant !== 0n, i + hex[0].length);
  }
  const dec = DEC_PART_RE.exec(rest);
  if (dec) return finish(sign, Number(dec[0]), /[1-9]/.test(dec[0].split(/[eE]/)[0] as string), i + dec[0].length);
  // No conversion: C leaves the end pointer at the very start, before any spaces or sign.
  return { value: 0, end: 0, erange: false };
}

function finish(sign: number, abs: number, nonZeroDigits: boolean, end: number): Strtod {
  const erange = abs === Infinity || (nonZeroDigits && abs < DBL_MIN);
  return { value: sign * abs, end, erange };
}

/**
 * What clients send almost always ("3", "-1.5", ".25"): short enough that it can neither overflow nor
 * underflow, and read by Number, which rounds correctly as glibc's strtod does. Null: take the full path.
 */
function plainDecimal(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let digits = 0;
  let dot = false;
  for (let i = s.charCodeAt(0) === 45 ? 1 : 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return null;
  }
  return digits === 0 ? null : Number(s);
}

/** Redis's string2d (getDoubleFromObject): whole string, no leading space, no NaN, no overflow or underflow to 0. */
export function toFloat(s: string): number | null {
  const plain = plainDecimal(s);
  cErrno.range = false;
  if (plain !== null) return plain;
  const r = strtod(s);
  cErrno.range = r.erange;
  if (s.length === 0 || SPACE_RE.exec(s)?.[0].length) return null;
  if (r.end !== s.length || Number.isNaN(r.value)) return null;
  if (r.erange && (!Number.isFinite(r.value) || r.value === 0)) return null;
  return r.value;
}

/**
 * A sorted set's listpack keeps a non-integral score as its "%.17g" text, and every read of it
 * (zzlGetScore) is a strtod: a subnormal score (4.9e-324) sets ERANGE there, for a later SORT to see.
 * Call for each listpack score redis-server would read.
 */
export function listpackScoreRead(score: number): void {
  if (score !== 0 && Math.abs(score) < 2.2250738585072014e-308) cErrno.range = true;
}

/** A score range bound after its optional '(': strtod to the end, NaN refused (a lone "(" is 0). */
export function toRangeFloat(s: string): number | null {
  const r = strtod(s);
  if (r.erange) cErrno.range = true;
  return r.end !== s.length || Number.isNaN(r.value) ? null : r.value;
}

/**
 * SORT's reading of a weight held as a string: strtod to the end, no NaN, and errno not ERANGE,
 * which strtod may have set now or (when `errnoKnown`: cErrno is the sorting node's) an earlier
 * command left set. An empty string is 0. strtod reads a C string: a NUL byte ends the weight, so
 * "\0" is 0 and "2\0x" is 2, as redis-server's check of the end pointer against '\0' lets them be.
 */
export function toSortFloat(s: string, errnoKnown: boolean): number | null {
  const nul = s.indexOf('\0');
  const text = nul < 0 ? s : s.slice(0, nul);
  const r = strtod(text);
  if (r.erange) cErrno.range = true;
  return r.end !== text.length || (errnoKnown ? cErrno.range : r.erange) || Number.isNaN(r.value) ? null : r.value;
}

/** Whether a string is an infinity as strtold reads it (HINCRBYFLOAT refuses those outright). */
export function isInfLiteral(s: string): boolean {
  return INF_RE.test(s);
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

/** C's printf("%f"): six decimals, and inf/nan spelled as glibc does. */
export function printfF(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v < 0 ? '-inf' : 'inf';
  // toFixed switches to exponent form from 1e21; %f prints every digit (a double that large is an integer).
  if (Object.is(v, -0)) return '-0.000000';
  if (Math.abs(v) >= 1e21) return `${v < 0 ? '-' : ''}${BigInt(Math.abs(v)).toString()}.000000`;
  return v.toFixed(6);
}

const DEC_RE = /^([+-])?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;
const HEX_LD_RE = /^([+-])?0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/;

function parseLd(s: string): LongDouble | null {
  const h = HEX_LD_RE.exec(s);
  if (h) {
    // strtold reads hex floats too: mantissa digits times a power of two.
    const intPart = h[2] ?? '';
    const frac = h[3] ?? '';
    if (intPart.length + frac.length === 0) return null;
    const exp2 = Number(h[4] ?? '0') - 4 * frac.length;
    if (Math.abs(exp2) > 20000) return null;
    return roundLd(h[1] === '-', BigInt('0x' + (intPart + frac || '0')), 1n, exp2);
  }
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
  // string2ld clears errno (a long double holds what a double cannot).
  cErrno.range = false;
  const a = current === null ? { neg: false, m: 0n, e: 0 } : parseLd(current);
  // A stored "inf" is a valid long double to Redis; anything added to it is out of range.
  const curInf = current !== null && INF_RE.test(current);
  if (a === null && !curInf) fail(E.NOT_FLOAT);
  const b = parseLd(incr);
  if (b === null) {
    if (INF_RE.test(incr)) fail(E.NAN_INF);
    fail(E.NOT_FLOAT);
  }
  if (a === null) fail(E.NAN_INF);
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
