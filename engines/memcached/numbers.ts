// Number parsing that reproduces C strtoull/strtol followed by memcached's casts, because clients
// observe the casts (flags wrap to 32 bits, exptime and lengths wrap to int32).

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** isspace() in the C locale. */
function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * What strtol/strtoull read from a token, as memcached's safe_strto* accept it: leading whitespace (a tab
 * or CR inside a line), an optional sign, decimal digits, then the token's end or whitespace, after which
 * the rest is ignored ("10\tjunk" is 10).
 */
function digitsOf(token: string): { negative: boolean; digits: string } | null {
  let i = 0;
  while (i < token.length && isCSpace(token.charCodeAt(i))) i++;
  let negative = false;
  const c = token.charCodeAt(i);
  if (c === 43 /* + */ || c === 45 /* - */) {
    negative = c === 45;
    i++;
  }
  const start = i;
  while (i < token.length && token.charCodeAt(i) >= 48 && token.charCodeAt(i) <= 57) i++;
  if (i === start) return null;
  if (i < token.length && !isCSpace(token.charCodeAt(i))) return null;
  return { negative, digits: token.slice(start, i) };
}

/** safe_strtoull: negative values (other than -0) and overflow are rejected. */
export function parseU64(token: string): bigint | null {
  if (token.length < 16) {
    const small = parseSmallUint(token);
    if (small !== null) return BigInt(small);
  }
  const parts = digitsOf(token);
  if (!parts) return null;
  return signedU64(parts.negative, BigInt(parts.digits));
}

/**
 * strtoull's result for a sign and magnitude as safe_strtoull keeps it: past 2^64-1 is ERANGE; a minus sign
 * negates modulo 2^64, and the result is refused only when it reads negative as a signed 64-bit number (so
 * "-1" is refused but "-18446744073709551615" is 1).
 */
export function signedU64(negative: boolean, magnitude: bigint): bigint | null {
  if (magnitude > U64_MAX) return null;
  if (!negative) return magnitude;
  const v = (U64_MAX + 1n - magnitude) & U64_MAX;
  return v > I64_MAX ? null : v;
}

/** safe_strtol into a 64-bit long, then the int32 cast memcached applies when storing it. */
export function parseI32Wrapped(token: string): number | null {
  if (token.length < 10) {
    const small = parseSmallUint(token);
    if (small !== null) return small;
  }
  const parts = digitsOf(token);
  if (!parts) return null;
  let v = BigInt(parts.digits);
  if (parts.negative) v = -v;
  if (v < I64_MIN || v > I64_MAX) return null;
  return Number(BigInt.asIntN(32, v));
}

/** Client flags: parsed as unsigned 64-bit, stored truncated to 32 bits. */
export function parseFlags(token: string): number | null {
  if (token.length < 10) {
    const small = parseSmallUint(token);
    if (small !== null) return small;
  }
  const v = parseU64(token);
  return v === null ? null : Number(BigInt.asUintN(32, v));
}

/** Fast path for the common "small non-negative decimal" case used on hot paths. */
export function parseSmallUint(token: string): number | null {
  if (token.length === 0 || token.length > 15) return null;
  let v = 0;
  for (let i = 0; i < token.length; i++) {
    const d = token.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return v;
}

/** safe_strtoul: like strtoull (so "-5" is refused) and then truncated to 32 bits by the caller's cast. */
export function parseU32Wrapped(token: string): number | null {
  const v = parseU64(token);
  return v === null ? null : Number(BigInt.asUintN(32, v));
}

// What glibc's strtod reads after leading whitespace: infinity, NaN, a hex float or a decimal one.
const STRTOD = /^([+-]?)(?:(inf(?:inity)?)|(nan(?:\([0-9a-z_]*\))?)|0x((?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?)|((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))/i;

/**
 * safe_strtod: strtod's number (leading whitespace, "inf", "nan", hex floats too), then the token's end or
 * whitespace; refused when strtod reports ERANGE (overflow, or an underflow to zero or a subnormal).
 */
export function parseDouble(token: string): number | null {
  let i = 0;
  while (i < token.length && isCSpace(token.charCodeAt(i))) i++;
  const m = STRTOD.exec(token.slice(i));
  if (m === null) return null;
  const after = i + m[0].length;
  if (after < token.length && !isCSpace(token.charCodeAt(after))) return null;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2] !== undefined) return sign * Infinity;
  if (m[3] !== undefined) return NaN;
  const v = m[4] !== undefined ? hexFloat(m[4]) : Number(m[5]);
  const nonzero = /[1-9a-f]/i.test((m[4] ?? m[5]!).split(/[pe]/i)[0]!);
  if (!Number.isFinite(v) || (nonzero && Math.abs(v) < 2.2250738585072014e-308)) return null;
  return sign * v;
}

function hexFloat(text: string): number {
  const [mantissa, exponent = '0'] = text.split(/p/i);
  const [whole, fraction = ''] = mantissa!.split('.');
  let v = 0;
  for (const d of whole! + fraction) v = v * 16 + Number.parseInt(d, 16);
  return v * 2 ** (Number(exponent) - 4 * fraction.length);
}

/** printf's "%.2f": inf and nan spelled as C does, whole digits past 1e21, exact ties rounded to even. */
export function formatFixed2(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v < 0 ? '-inf' : 'inf';
  if (Math.abs(v) >= 1e21) return `${BigInt(v)}.00`;
  if (Object.is(v, -0)) return '-0.00';
  // A double sits exactly halfway between two hundredths only at odd eighths (x.125, x.375, ...).
  if (Number.isInteger(v * 8) && !Number.isInteger(v * 4) && Math.abs(v) < 2 ** 40) {
    const hundredths = Math.abs(v) * 100;
    let n = Math.floor(hundredths);
    if (n % 2 === 1) n++;
    return (v < 0 ? '-' : '') + (n / 100).toFixed(2);
  }
  return v.toFixed(2);
}
