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

/**
 * The names our code reads and writes fields by (lstr's constants: 'ok', 'err', registry keys): each gets one
 * fengari string, made on first use, which lua_getfield/lua_setfield use instead of copying and hashing the name
 * again on every call ({ok='PONG'} for each redis.call('ping')). Strings are never changed once made, so one
 * object can stand in every table that holds the name.
 */
const named = new WeakMap<Uint8Array, object | null>();

export function internName(name: Uint8Array): void {
  named.set(name, null);
}

export function nameString<L>(L: L, k: Uint8Array, make: (L: L, s: Uint8Array) => object, from: (k: Uint8Array) => Uint8Array): object {
  const ts = named.get(k);
  if (ts === undefined) return make(L, from(k));
  if (ts !== null) return ts;
  const made = make(L, from(k));
  named.set(k, made);
  return made;
}
