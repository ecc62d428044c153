// Lua 5.1's string-to-number (luaO_str2d): glibc's strtod over the whole string, spaces allowed
// around it. So "inf", "nan", "0x1p4" and " 10 " are numbers, "1e" and "0x" are not, and every
// number is a double: a hexadecimal numeral of any length is read whole and rounded once.
// Used by the lexer for numerals and by tonumber and arithmetic on strings.

import { cErrno } from '../num.ts';

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
/** A C string ends at its first NUL, which strtod sees as the end. */
const NUMBER = /^([+-]?)(?:(0[xX])([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?|(\d*\.?\d*)(?:[eE]([+-]?\d+))?|(inf(?:inity)?)|(nan(?:\([0-9A-Za-z_]*\))?))$/i;

/** The number `s` spells for Lua 5.1, or null. */
export function str2d51(s: Uint8Array): number | null {
  let end = s.indexOf(0);
  if (end < 0) end = s.length;
  let start = 0;
  while (start < end && isSpace(s[start] as number)) start++;
  while (end > start && isSpace(s[end - 1] as number)) end--;
  if (end === start) return null;
  return parse(Buffer.from(s.buffer, s.byteOffset + start, end - start).toString('latin1'));
}

function parse(t: string): number | null {
  const m = NUMBER.exec(t);
  if (m === null) return null;
  const neg = m[1] === '-';
  let v: number;
  if (m[2] !== undefined) {
    const int = m[3] as string;
    const frac = m[4] ?? '';
    // strtod wants a digit; "0x" alone reads as 0 followed by junk.
    if (int === '' && frac === '') return null;
    const mantissa = BigInt(`0x${int}${frac}` === '0x' ? '0' : `0x${int}${frac}`);
    const exp = Number(m[5] ?? '0') - 4 * frac.length;
    v = scale(mantissa, exp);
  } else if (m[6] !== undefined) {
    if (!/\d/.test(m[6])) return null;
    v = Number(m[6] + (m[7] !== undefined ? `e${m[7]}` : ''));
  } else if (m[8] !== undefined) v = Infinity;
  else v = NaN;
  // strtod's ERANGE: digits past a double's range (1e309, 1e-400, a subnormal 5e-324) stay in errno for a
  // later SORT to see (seed 208914, a numeral of a FUNCTION LOAD's code).
  if (m[8] === undefined && m[9] === undefined && (!Number.isFinite(v) || Math.abs(v) < MIN_NORMAL) && (v !== 0 || /[1-9a-fA-F]/.test((m[3] ?? '') + (m[4] ?? '') + (m[6] ?? '')))) cErrno.range = true;
  return neg ? -v : v;
}

const MIN_NORMAL = 2.2250738585072014e-308;

/** mantissa * 2^exp (hexadecimal floats with fractions or negative exponents are rare: one product suffices). */
function scale(mantissa: bigint, exp: number): number {
  if (mantissa === 0n) return 0;
  if (exp >= 0) return exp > 2048 ? Infinity : Number(mantissa << BigInt(exp));
  const half = Math.trunc(exp / 2);
  return Number(mantissa) * 2 ** half * 2 ** (exp - half);
}
