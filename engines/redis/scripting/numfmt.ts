// C's printf for one conversion, as glibc prints it: Lua 5.1's string.format and tostring ("%.14g")
// hand numbers to it. Rounding works on the double's exact binary value with ties to even, so
// string.format('%.1f', 0.25) is "0.2" (JavaScript's toFixed would say "0.3").

/** |d| = m * 2^e exactly, for a finite d. */
function decompose(d: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) m |= 1n << 52n;
  return [m, (biased === 0 ? 1 : biased) - 1075];
}

/** round(|d| * 10^p), ties to even. */
function scaled(d: number, p: number): bigint {
  const [m, e] = decompose(d);
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (p >= 0) num *= 10n ** BigInt(p);
  else den *= 10n ** BigInt(-p);
  const q = num / den;
  const twice = (num % den) * 2n;
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** Digits of |d| with `prec` decimals. */
function fixedDigits(d: number, prec: number): string {
  const s = scaled(d, prec).toString().padStart(prec + 1, '0');
  return prec === 0 ? s : `${s.slice(0, s.length - prec)}.${s.slice(s.length - prec)}`;
}

/** |d| as digits d.ddd (prec decimals) and a decimal exponent. */
function expParts(d: number, prec: number): [string, number] {
  if (d === 0) return [prec === 0 ? '0' : `0.${'0'.repeat(prec)}`, 0];
  let x = Math.floor(Math.log10(Math.abs(d)));
  let digits = scaled(d, prec - x);
  const low = 10n ** BigInt(prec);
  if (digits >= low * 10n) digits = scaled(d, prec - ++x);
  else if (digits < low) digits = scaled(d, prec - --x);
  if (digits >= low * 10n) digits = scaled(d, prec - ++x);
  const s = digits.toString();
  return [prec === 0 ? s : `${s[0]}.${s.slice(1)}`, x];
}

const expText = (x: number): string => `${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** The body (no sign) of %e %f %g for a finite double. */
function floatBody(d: number, conv: string, prec: number | undefined, alt: boolean): string {
  const lower = conv.toLowerCase();
  if (lower === 'f') {
    const s = fixedDigits(d, prec ?? 6);
    return alt && !s.includes('.') ? s + '.' : s;
  }
  if (lower === 'e') {
    const [m, x] = expParts(d, prec ?? 6);
    return `${alt && !m.includes('.') ? m + '.' : m}${conv === 'E' ? 'E' : 'e'}${expText(x)}`;
  }
  const p = prec === undefined ? 6 : prec === 0 ? 1 : prec;
  const x = expParts(d, p - 1)[1];
  let body: string;
  if (p > x && x >= -4) {
    body = fixedDigits(d, p - 1 - x);
    if (!alt) body = stripZeros(body);
  } else {
    const [m] = expParts(d, p - 1);
    body = `${alt ? m : stripZeros(m)}${conv === 'G' ? 'E' : 'e'}${expText(x)}`;
  }
  return body;
}

/** printf("%.<precision>g", d): what Lua 5.1's tostring and cjson print numbers with. */
export function formatG(d: number, precision: number): string {
  // Integers that fit the precision print as themselves: the common case, without bigints.
  if (Number.isInteger(d) && Math.abs(d) < 1e15 && String(Math.abs(d)).length <= precision && !Object.is(d, -0)) return String(d);
  return formatOne(`%.${precision}g`, d);
}

const bits = new DataView(new ArrayBuffer(8));
function signBit(d: number): boolean {
  bits.setFloat64(0, d);
  return bits.getUint8(0) >= 128;
}

const SPEC = /^%([-+ #0]*)([0-9]*)(?:\.([0-9]*))?[hlLqjzt]*([diouxXeEfgGcs])$/;

/** printf with exactly one conversion (what fengari's string.format asks of sprintf). */
export function formatOne(spec: string, value: unknown): string {
  const m = SPEC.exec(spec);
  if (m === null) return spec;
  const flags = m[1] as string;
  const width = m[2] ? Number(m[2]) : 0;
  const prec = m[3] === undefined ? undefined : Number(m[3] || '0');
  const conv = m[4] as string;
  const left = flags.includes('-');
  let zero = flags.includes('0') && !left;
  let sign = '';
  let body: string;
  if (conv === 's' || conv === 'c') {
    body = conv === 'c' ? String.fromCharCode(Number(value) & 0xff) : String(value);
    if (prec !== undefined && conv === 's') body = body.slice(0, prec);
    zero = false;
  } else if ('eEfgG'.includes(conv)) {
    const d = Number(value);
    const neg = d < 0 || Object.is(d, -0) || (Number.isNaN(d) && signBit(d));
    if (Number.isNaN(d)) {
      // glibc prints a NaN's sign: x86 makes 0/0 negative, and a negation or math.abs changes it.
      body = 'nan';
      zero = false;
    } else if (!Number.isFinite(d)) {
      body = 'inf';
      zero = false;
    } else body = floatBody(d, conv, prec, flags.includes('#'));
    if (conv === 'E' || conv === 'G') body = body.toUpperCase();
    sign = neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  } else {
    // The (long) cast of C: out of range gives LONG_MIN on x86.
    const n = Number(value);
    let big = Number.isFinite(n) && Math.abs(n) < 2 ** 63 ? BigInt(Math.trunc(n)) : -(2n ** 63n);
    if (conv === 'd' || conv === 'i') {
      if (big < 0n) {
        sign = '-';
        big = -big;
      } else sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
    } else if (big < 0n) big += 2n ** 64n;
    body = big.toString(conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10);
    if (conv === 'X') body = body.toUpperCase();
    if (prec !== undefined) {
      zero = false;
      body = prec === 0 && big === 0n ? '' : body.padStart(prec, '0');
    }
    if (flags.includes('#')) {
      if (conv === 'o' && !body.startsWith('0')) body = '0' + body;
      if ((conv === 'x' || conv === 'X') && big !== 0n) sign = conv === 'x' ? '0x' : '0X';
    }
  }
  const pad = width - sign.length - body.length;
  if (pad <= 0) return sign + body;
  if (left) return sign + body + ' '.repeat(pad);
  if (zero) return sign + '0'.repeat(pad) + body;
  return ' '.repeat(pad) + sign + body;
}
