// Small helpers shared by command families.
import type { Client } from '../client.ts';
import { E, fail } from '../errors.ts';
import { parseIntArg, parseRangeIntArg } from '../num.ts';

/** Case-insensitive comparison of an argument with an ASCII keyword. */
export function is(arg: string | undefined, word: string): boolean {
  return arg !== undefined && arg.length === word.length && arg.toLowerCase() === word;
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
      o.match = v;
      i++;
    } else if (allowType && is(a, 'type') && v !== undefined) {
      o.type = v.toLowerCase();
      i++;
    } else {
      fail(E.SYNTAX);
    }
  }
  return o;
}

export function parseCursor(s: string): number {
  if (!/^[0-9]+$/.test(s)) fail('ERR invalid cursor');
  return Number(s);
}

export function writeHelp(c: Client, lines: readonly string[]): void {
  c.w.array(lines.length);
  for (const l of lines) c.w.simple(l);
}
