// Replacements for two of fengari's string helpers, given to its modules by fengari-source.ts.

/**
 * A copy of a byte string. fengari copies with Uint8Array.from, which walks its argument as an iterable
 * (every string pushed into a script: KEYS, ARGV, each reply's strings); a typed array copies in one go.
 */
export function luastringCopy(a: ArrayLike<number>): Uint8Array {
  return a instanceof Uint8Array ? new Uint8Array(a) : Uint8Array.from(a);
}

/**
 * A string's key in fengari's tables: one char per byte. fengari's own wrote each byte in unpadded hex,
 * so "\1\35" and "\18\3" were both "|123" and one table key stood for the other (redis-server keeps them
 * apart); it also built the key a hex digit pair at a time.
 */
export function stringKey(str: Uint8Array): string {
  const n = str.length;
  if (n > 16) return `|${Buffer.from(str.buffer, str.byteOffset, n).toString('latin1')}`;
  let s = '|';
  for (let i = 0; i < n; i++) s += String.fromCharCode(str[i] as number);
  return s;
}
