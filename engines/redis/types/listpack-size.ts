// How many bytes a listpack entry takes, without building the listpack: a list recomputes its quicklist
// nodes' sizes on every push and pop (quicklist.c decides where a node ends by them), so this runs on the
// hot path and parses a number only when the text can be one.

/** lpEncodeBacklen's size for an entry body of l bytes. */
export const backlenSize = (l: number): number => (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5);

/** The body of an integer entry (lpEncodeIntegerGetType): 7-bit, 13-bit, 16, 24, 32 or 64 bits. */
function intBody(n: number): number {
  if (n >= 0 && n <= 127) return 1;
  if (n >= -4096 && n <= 4095) return 2;
  if (n >= -32768 && n <= 32767) return 3;
  if (n >= -8388608 && n <= 8388607) return 4;
  if (n >= -2147483648 && n <= 2147483647) return 5;
  return 9;
}

const INT64_MAX = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';

/** lpStringToInt64: whether s is a canonical decimal int64 ("-0", "+1", "01" and " 1" are strings). */
function isLpInt(s: string): boolean {
  const len = s.length;
  if (len === 0 || len > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (len === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return len === 1;
  if (first < 49 || first > 57) return false;
  for (let k = i + 1; k < len; k++) {
    const ch = s.charCodeAt(k);
    if (ch < 48 || ch > 57) return false;
  }
  const digits = len - i;
  if (digits < 19) return true;
  if (digits > 19) return false;
  return s.slice(i) <= (i === 1 ? INT64_MIN_DIGITS : INT64_MAX);
}

/** Bytes of one listpack entry holding s (latin1, a byte per char): encoding, data and back-length. */
export function lpEntrySize(s: string): number {
  if (isLpInt(s)) return s.length < 16 ? intBody(Number(s)) + 1 : 10;
  const len = s.length;
  const l = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return l + backlenSize(l);
}
