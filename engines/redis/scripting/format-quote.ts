// string.format's %q as Lua 5.1 writes it. Lua 5.3 escapes every control byte as \ddd ("\0", "\13")
// and writes a number as a numeral; 5.1 escapes only the quote, the backslash, a newline (as a
// backslash and the newline), a carriage return ("\r") and NUL ("\000"), and quotes a number's
// string form.
import { latin1ToLua, laux, lstr, lua, luaToLatin1, type LuaFn, type LuaState, type LuaString } from './lua.ts';

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

/** The original string.format (upvalue 1), given each %q argument already quoted and %q turned into %s. */
const format51: LuaFn = (L) => {
  const fmt = laux.luaL_checklstring(L, 1);
  const top = lua.lua_gettop(L);
  if (!fmt.includes(Q)) {
    lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
    lua.lua_insert(L, 1);
    return callFormat(L, top);
  }
  const quoted = new Map<number, Uint8Array>();
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
    arg++;
    let j = i + 1;
    while (isSpecByte(fmt[j])) j++;
    if (fmt[j] === Q && arg <= top) {
      quoted.set(arg, quote51(laux.luaL_checklstring(L, arg)));
      spec.push(S);
      i = j;
    }
  }
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_pushstring(L, Uint8Array.from(spec));
  for (let a = 2; a <= top; a++) {
    const q = quoted.get(a);
    if (q === undefined) lua.lua_pushvalue(L, a);
    else lua.lua_pushstring(L, q);
  }
  return callFormat(L, top);
};

/**
 * Calls the original format, whose argument errors would name neither the function nor where it
 * was called from (it runs under this wrapper): they are raised again from here, as Lua 5.1 words
 * them ("user_script:1: bad argument #2 to 'format' (...)"). Arguments keep their positions.
 */
function callFormat(L: LuaState, nargs: number): number {
  if (lua.lua_pcall(L, nargs, 1, 0) === lua.LUA_OK) return 1;
  const msg = lua.lua_type(L, -1) === lua.LUA_TSTRING ? luaToLatin1(lua.lua_tolstring(L, -1) as LuaString) : null;
  const m = msg === null ? null : /^bad argument #(\d+) to '\?' \((.*)\)$/s.exec(msg);
  if (m === null) return lua.lua_error(L);
  return laux.luaL_argerror(L, Number(m[1]), latin1ToLua(m[2] as string));
}

export function installFormatQuote51(L: LuaState): void {
  lua.lua_getglobal(L, lstr('string'));
  lua.lua_getfield(L, -1, lstr('format'));
  lua.lua_pushcclosure(L, format51, 1);
  lua.lua_setfield(L, -2, lstr('format'));
  lua.lua_pop(L, 1);
}
