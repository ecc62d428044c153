// The seconds timeout of BLPOP and friends as redis-server 7.0 reads it: strtold (hex floats and
// "inf" included, no surrounding spaces, no NaN), times 1000, rounded up, cast to long long. A value
// past the long long range wraps to LLONG_MIN there, so it is reported as negative, not as invalid.
import { E, fail } from '../errors.ts';
import { cErrno } from '../num.ts';

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/;
const INF = /^[+-]?inf(?:inity)?$/i;
/** log10 of the largest and smallest (subnormal) x87 long double. */
const LD_MAX_EXP10 = 4932;
const LD_MIN_EXP10 = -4951;
const LLONG_LIMIT = 2 ** 63;

/** Decimal exponent of the first significant digit, for values a double cannot hold. */
function decimalExponent(s: string): number | null {
  const m = /^[+-]?([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?$/.exec(s);
  if (!m) return null;
  const int = m[1] ?? '';
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? '0');
  const digits = int + frac;
  const first = digits.search(/[1-9]/);
  if (first < 0) return null;
  return exp + int.length - 1 - first;
}

function strtold(s: string): number | null {
  if (s.length === 0 || s.length >= 5 * 1024) return null;
  if (INF.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  const hex = HEX.exec(s);
  if (hex) {
    const [, sign, int = '', frac = '', exp = '0'] = hex;
    if (int.length + frac.length === 0) return null;
    let v = 0;
    for (const ch of int) v = v * 16 + parseInt(ch, 16);
    let scale = 1 / 16;
    for (const ch of frac) {
      v += parseInt(ch, 16) * scale;
      scale /= 16;
    }
    v *= 2 ** Number(exp);
    return sign === '-' ? -v : v;
  }
  if (!DECIMAL.test(s)) return null;
  const v = Number(s);
  const e10 = decimalExponent(s);
  if (e10 !== null && e10 > LD_MAX_EXP10) return null;
  if (e10 !== null && e10 < LD_MIN_EXP10) return null;
  // Below a double's range but within a long double's: tiny, positive, and rounds up to 1 ms.
  if (v === 0 && e10 !== null) return s.startsWith('-') ? -Number.MIN_VALUE : Number.MIN_VALUE;
  return v;
}

/** Parses a blocking timeout in seconds to ms; 0 = forever. */
export function parseTimeout(s: string): number {
  // string2ld clears errno (a long double holds what a double cannot).
  cErrno.range = false;
  const v = strtold(s);
  if (v === null || Number.isNaN(v)) fail(E.TIMEOUT);
  const ms = v * 1000;
  if (!(Math.abs(ms) < LLONG_LIMIT)) fail(E.TIMEOUT_NEG);
  const t = Math.ceil(ms);
  if (t < 0) fail(E.TIMEOUT_NEG);
  return t;
}
