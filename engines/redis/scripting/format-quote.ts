// string.format's %q, %s and %c as Lua 5.1 writes them. For %q Lua 5.3 escapes every control byte
// as \ddd ("\0", "\13") and writes a number as a numeral; 5.1 escapes only the quote, the backslash,
// a newline (as a backslash and the newline), a carriage return ("\r") and NUL ("\000"), and quotes
// a number's string form. %s takes only strings and numbers in 5.1, and %s and %c are C's printf.
import { latin1ToLua, laux, lstr, lua, luaToLatin1, type LuaFn, type LuaState, type LuaString } from './lua.ts';
import { callOriginal } from './lib51.ts';
import { formatOne } from './numfmt.ts';

const PERCENT = 37;
const Q = 113;
const S = 115;

function quote51(s: LuaString): Uint8Array {
  const out: number[] = [34];
  for (const b of s) {
    if (b === 34 || b === 92 || b === 10) out.push(92, b);
    else if (b === 13) out.push(92, 114);
    else if (b === 0) out.push(92, 48, 48, 48);
    else out.push(b);
  }
  out.push(34);
  return Uint8Array.from(out);
}

/** Flags, width and precision of a conversion: what lies between '%' and its letter. */
function isSpecByte(b: number | undefined): boolean {
  return b !== undefined && (b === 45 || b === 43 || b === 32 || b === 35 || b === 46 || (b >= 48 && b <= 57));
}

const C = 99;
/** Conversions that take a number, checked in turn so that the first bad argument is the one named. */
const NUMERIC = new Set([...'diouxXeEfgG'].map((c) => c.charCodeAt(0)));

/**
 * 5.1's scanformat: at most five flag bytes, two digits of width and of precision. The
 * conversion's spec as text (from its '%' to its letter), or the error 5.1 raises.
 */
function checkSpec(L: LuaState, fmt: LuaString, from: number, to: number): string {
  let p = from + 1;
  while (p < to && [45, 43, 32, 35, 48].includes(fmt[p] as number)) p++;
  if (p - from - 1 >= 6) laux.luaL_error(L, lstr('invalid format (repeated flags)'));
  const digits = (): void => {
    for (let n = 0; n < 2 && p < to && (fmt[p] as number) >= 48 && (fmt[p] as number) <= 57; n++) p++;
  };
  digits();
  if (fmt[p] === 46) {
    p++;
    digits();
  }
  if (p < to) laux.luaL_error(L, lstr('invalid format (width or precision too long)'));
  return luaToLatin1(fmt.subarray(from, to + 1));
}

/** A C string: what printf sees of a Lua string, and what strlen keeps of what it wrote. */
function upToNul(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * Lua 5.1's string.format over the original (upvalue 1): %s wants a string or a number (5.3 takes
 * any value), %s and %c go through C's printf (a NUL ends the text), and %q quotes as 5.1 does.
 * Those three (and a number under five flags, one more than fengari takes) are rendered here and
 * handed to the original as plain %s of the rendered text; arguments keep their positions.
 */
const format51: LuaFn = (L) => {
  const fmt = laux.luaL_checklstring(L, 1);
  const top = lua.lua_gettop(L);
  const rendered = new Map<number, Uint8Array>();
  const spec: number[] = [];
  let arg = 1;
  for (let i = 0; i < fmt.length; i++) {
    const b = fmt[i] as number;
    spec.push(b);
    if (b !== PERCENT) continue;
    if (fmt[i + 1] === PERCENT) {
      spec.push(PERCENT);
      i++;
      continue;
    }
    if (++arg > top) laux.luaL_argerror(L, arg, lstr('no value'));
    let j = i + 1;
    while (isSpecByte(fmt[j])) j++;
    // 5.1 has no %a (5.3 does).
    if (fmt[j] === 97 || fmt[j] === 65) laux.luaL_error(L, latin1ToLua(`invalid option '%%${String.fromCharCode(fmt[j] as number)}' to 'format'`));
    // A format ending inside a conversion: 5.1 reads its NUL terminator as the option, and prints it as nothing.
    if (j >= fmt.length) laux.luaL_error(L, lstr("invalid option '%%' to 'format'"));
    const conv = fmt[j] as number;
    if (NUMERIC.has(conv)) {
      const n = laux.luaL_checknumber(L, arg);
      // Five flags are one too many for fengari, not for 5.1.
      if (!fmt.subarray(i + 1, i + 6).every((f) => [45, 43, 32, 35, 48].includes(f))) continue;
      rendered.set(arg, latin1ToLua(formatOne(checkSpec(L, fmt, i, j), n)));
    } else if (conv !== Q && conv !== S && conv !== C) continue;
    else rendered.set(arg, render(L, conv, checkSpec(L, fmt, i, j), arg));
    spec.pop();
    spec.push(PERCENT, S);
    i = j;
  }
  lua.lua_pushstring(L, Uint8Array.from(spec));
  lua.lua_replace(L, 1);
  for (const [a, r] of rendered) {
    lua.lua_pushstring(L, r);
    lua.lua_replace(L, a);
  }
  return callOriginal(L);
};

/** What 5.1 writes for a %q, %s or %c conversion (spec `text`) of argument `arg`. */
function render(L: LuaState, conv: number, text: string, arg: number): Uint8Array {
  if (conv === Q) return quote51(laux.luaL_checklstring(L, arg));
  if (conv === C) return latin1ToLua(upToNul(formatOne(text, Math.trunc(laux.luaL_checknumber(L, arg)))));
  const s = laux.luaL_checklstring(L, arg);
  // 5.1 keeps a long string whole when no precision cuts it; printf formats the rest.
  return !text.includes('.') && s.length >= 100 ? s : latin1ToLua(formatOne(text, upToNul(luaToLatin1(s))));
}

export function installFormatQuote51(L: LuaState): void {
  lua.lua_getglobal(L, lstr('string'));
  lua.lua_getfield(L, -1, lstr('format'));
  lua.lua_pushcclosure(L, format51, 1);
  lua.lua_setfield(L, -2, lstr('format'));
  lua.lua_pop(L, 1);
}
