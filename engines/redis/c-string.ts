// redis-server prints most user-supplied names into its replies with printf's %s, which stops at the
// first NUL byte: a key "a\0b" shows as 'a' in an error text.

/** The part of `s` a C string would hold: everything before the first NUL. */
export function asCString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** strcmp(arg, lit) == 0 in redis-server: `arg` up to its first NUL is `lit` ('*\0x' is '*'). */
export function cEquals(arg: string | undefined, lit: string): boolean {
  return arg !== undefined && (arg === lit || (arg.startsWith(lit) && arg.charCodeAt(lit.length) === 0));
}
