// The argument pools the generator draws from: ordinary values, Redis's number-syntax edges, bytes.
import { pick } from '../../test/engines/redis/random.ts';

export type Rnd = () => number;

export const BINARY = ['\x00', 'a\x00b', '\r\n', '\xff\xfe', '\x80abc', '*1\r\n$1\r\nx'];
const LONG = 'y'.repeat(70);

/** Values: mostly short words and numbers, sometimes empty, binary, long (past listpack limits). */
export function value(r: Rnd): string {
  const x = r();
  if (x < 0.45) return pick(r, ['a', 'b', 'c', 'd', 'e', 'foo', 'bar', 'hello', 'x', 'y']);
  if (x < 0.7) return pick(r, ['0', '1', '2', '-1', '10', '42', '100', '3.5', '-2.25', '007']);
  if (x < 0.8) return pick(r, ['', ' ', ' 1', '1 ', '9223372036854775807', '-9223372036854775808', '18446744073709551616', '1e400', 'inf', '-inf', 'nan', '0x10', '1e3', '+5', '-0']);
  if (x < 0.9) return pick(r, BINARY);
  if (x < 0.95) return LONG;
  return `v${Math.floor(r() * 300)}`;
}

/**
 * Integers the way clients send them, with every syntax edge strtoll/string2ll disagree on. No
 * large negative counts that parse: SRANDMEMBER k -9223372036854775807 makes redis-server 7.0
 * draw that many members (it stops answering).
 */
export function int(r: Rnd): string {
  const x = r();
  if (x < 0.6) return pick(r, ['0', '1', '2', '3', '-1', '-2', '5', '10', '-10', '100']);
  return pick(r, ['', ' 1', '1 ', '+1', '01', '-0', '0x10', '1.0', '1e3', 'x', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-9223372036854775809', '4294967296', '2147483648', '99999999999999999999', '1.5', '(', '-', '00', '-00', '0x', '\t1', '1\n', '18446744073709551615', ' -1', '+0', '0000000000000000000001', '9223372036854775806', '1e308']);
}

/** Scores and floats: infinities, overflow, exclusive bounds, a lone '('. */
export function float(r: Rnd): string {
  const x = r();
  if (x < 0.55) return pick(r, ['0', '1', '2', '-1', '1.5', '2.5', '-3.25', '10', '100', '0.1']);
  return pick(r, ['inf', '-inf', '+inf', 'Infinity', '-infinity', 'nan', 'NaN', '1e400', '-1e400', '1e-400', '1e308', '4.9e-324', '', ' 1', '1 ', '0x10', '.5', '5.', '1e', '(', '(1', '(-inf', '(+inf', '((1', 'x', '-0', '+0', '1.7976931348623157e308', '17e-1', '-0.0', '0.0', '1e-320', '2.2250738585072014e-308', '-1.7976931348623159e308', ' inf', 'inf ', '1.5e', '-nan', '0x1p3', '00.5', '1e+3', '9007199254740993', '1.0000000000000002', '9223372036854775807', '-9223372036854775809', '(1e308', '(-0', '\t2']);
}

/** Range bounds for score ranges. */
export function bound(r: Rnd): string {
  return r() < 0.5 ? pick(r, ['-inf', '+inf', '0', '1', '(1', '2.5', '(2.5', '10', '-1', '(-1']) : float(r);
}

/** Lex range bounds, valid and not. */
export function lexBound(r: Rnd): string {
  return pick(r, ['-', '+', '[a', '(a', '[c', '(foo', '[', '(', 'a', '', '[\xff', '-x', '+x']);
}

export function count(r: Rnd): string {
  return r() < 0.8 ? pick(r, ['0', '1', '2', '3', '5', '10', '100']) : int(r);
}

/** Absolute or relative expiry times that never fire while a sequence runs (or fire at once). */
export function ttl(r: Rnd): string {
  return pick(r, ['100', '1000', '100000', '0', '-1', '-100', 'x', '', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '4611686018427387904', '1.5', '+100', ' 100']);
}

/** Absolute Unix times: past (expires at once), far future, overflowing. */
export function unixTime(r: Rnd): string {
  return pick(r, ['1', '1000', '1700000000', '4000000000', '4000000000000', '9223372036854775807', '-9223372036854775808', '9223372036854775806', '-1', '0', 'x']);
}

/** Relative times in milliseconds: long enough never to fire during a run, or already past. */
export function ttlMs(r: Rnd): string {
  return pick(r, ['100000', '10000000', '0', '-1', 'x', '', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '1.5', '+100000']);
}

/**
 * One SET/GETEX expiry option with its argument. SET with a time already past leaves the key for
 * redis-server's background expiry to find at a moment of its own, so SET only gets future times.
 */
export function expiryOption(r: Rnd, pastAllowed: boolean): string[] {
  const o = pick(r, ['EX', 'PX', 'EXAT', 'PXAT', 'ex']);
  if (o === 'PX') return [o, ttlMs(r)];
  // PXAT 4000000000 is in 1970: only times in the future (in the option's own unit) for SET.
  const future = o === 'PXAT' ? '4000000000000' : '4000000000';
  if (o === 'EXAT' || o === 'PXAT') return [o, pastAllowed ? unixTime(r) : pick(r, [future, '4000000000000', '9223372036854775807', '-1', '0', 'x'])];
  return [o, ttl(r)];
}
