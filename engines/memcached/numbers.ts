// Number parsing that reproduces C strtoull/strtol followed by memcached's casts, because clients
// observe the casts (flags wrap to 32 bits, exptime and lengths wrap to int32).

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** Splits an optional sign from a run of decimal digits that must span the whole token. */
function digitsOf(token: string): { negative: boolean; digits: string } | null {
  let i = 0;
  let negative = false;
  const c = token.charCodeAt(0);
  if (c === 43 /* + */ || c === 45 /* - */) {
    negative = c === 45;
    i = 1;
  }
  if (i >= token.length) return null;
  for (let j = i; j < token.length; j++) {
    const d = token.charCodeAt(j);
    if (d < 48 || d > 57) return null;
  }
  return { negative, digits: token.slice(i) };
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

/** safe_strtod: a whole-token decimal or exponent number. */
export function parseDouble(token: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) return null;
  const v = Number(token);
  return Number.isFinite(v) ? v : null;
}
