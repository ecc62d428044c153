// Small helpers shared by command families.
import type { Client } from '../client.ts';
import { E, fail } from '../errors.ts';
import { cErrno, I64_MAX, I64_MIN, parseIntArg, parseRangeIntArg, toI64 } from '../num.ts';
import { asCString } from '../c-string.ts';

/**
 * Case-insensitive comparison of an argument with an ASCII keyword, as strcasecmp makes it in
 * redis-server: on C strings, so an option ends at a NUL byte ('NX\0x' is NX, 'LEFT\0' is LEFT).
 */
export function is(arg: string | undefined, word: string): boolean {
  if (arg === undefined) return false;
  const n = word.length;
  if (arg.length !== n && arg.charCodeAt(n) !== 0) return false;
  return (arg.length === n ? arg : arg.slice(0, n)).toLowerCase() === word;
}

/** An option word as redis-server's strcasecmp sees it: up to the first NUL, in lower case. */
export function keyword(arg: string): string {
  return asCString(arg).toLowerCase();
}

/** Resolves Redis-style inclusive [start, end] indexes (negative from the end) against `len`. */
export function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

export { parseTimeout } from './blocking-timeout.ts';

/** Redis's getPositiveLongFromObjectOrReply: a non-number gets the same message as a negative one. */
export function parseCount(s: string, positiveMsg = 'ERR value is out of range, must be positive'): number {
  return parseRangeIntArg(s, 0, Infinity, positiveMsg);
}

/** SCAN-family options shared by SCAN/HSCAN/SSCAN/ZSCAN. */
export interface ScanOptions {
  match: string | null;
  count: number;
  type: string | null;
}

export function parseScanOptions(args: string[], from: number, allowType: boolean): ScanOptions {
  const o: ScanOptions = { match: null, count: 10, type: null };
  for (let i = from; i < args.length; i++) {
    const a = args[i] as string;
    const v = args[i + 1];
    if (is(a, 'count') && v !== undefined) {
      o.count = parseIntArg(v);
      if (o.count < 1) fail(E.SYNTAX);
      i++;
    } else if (is(a, 'match') && v !== undefined) {
      // A lone '*' is no pattern at all for redis-server, so it matches even the empty name.
      o.match = v === '*' ? null : v;
      i++;
    } else if (allowType && is(a, 'type') && v !== undefined) {
      o.type = keyword(v);
      i++;
    } else {
      fail(E.SYNTAX);
    }
  }
  return o;
}

/** SRANDMEMBER/HRANDFIELD/ZRANDMEMBER counts: redis-server reads them in -LONG_MAX..LONG_MAX, before the key. */
export function parseRandomCount(s: string): number {
  const n = parseIntArg(s);
  if (toI64(s) === I64_MIN) fail('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  return n;
}

/**
 * HRANDFIELD/ZRANDMEMBER's count and WITHVALUES/WITHSCORES, checked before the key as redis-server does
 * (with the option the count must fit in +-LONG_MAX/2); null without a count.
 */
export function parseRandomArgs(a: string[], option: string): { count: number; withOption: boolean } | null {
  if (a.length < 3) return null;
  const count = parseRandomCount(a[2] as string);
  if (a.length > 4 || (a.length === 4 && !is(a[3], option))) fail(E.SYNTAX);
  const withOption = a.length === 4;
  const big = toI64(a[2] as string) as bigint;
  if (withOption && (big > I64_MAX / 2n || big < -I64_MAX / 2n)) fail('ERR value is out of range');
  return { count, withOption };
}

/** A SCAN cursor as redis-server reads it (strtoul of a C string): a sign is allowed and '-n' wraps, '' is 0, a NUL ends it, overflow and spaces are not. */
export function parseCursor(s: string): number {
  const m = /^([+-]?)([0-9]*)$/.exec(asCString(s));
  // strtoul after errno = 0, as redis-server reads a cursor.
  cErrno.range = false;
  if (m === null || (m[2] === '' && m[1] !== '')) fail('ERR invalid cursor');
  const n = BigInt((m[2] as string) || '0');
  cErrno.range = n > 0xffffffffffffffffn;
  if (n > 0xffffffffffffffffn) fail('ERR invalid cursor');
  return Number(m[1] === '-' && n !== 0n ? 0x10000000000000000n - n : n);
}

export function writeHelp(c: Client, lines: readonly string[]): void {
  c.w.array(lines.length);
  for (const l of lines) c.w.simple(l);
}
