// LuaBitOp ("bit"), as bundled with Redis: 32-bit operations on numbers, results signed.
import { laux, latin1ToLua, lua, type LuaFn, type LuaState } from '../lua.ts';
import { registerLib } from './util.ts';

/**
 * LuaBitOp's barg: the low 32 bits of n + 2^52 + 2^51 as a double, so fractions round half to even
 * (1.5 is 2, 2.5 is 2) and numbers past 2^51 lose their low bits as that sum does.
 */
const scratch = new DataView(new ArrayBuffer(8));
function tobit(L: LuaState, i: number): number {
  scratch.setFloat64(0, laux.luaL_checknumber(L, i) + 6755399441055744.0, true);
  return scratch.getInt32(0, true);
}

function fold(op: (a: number, b: number) => number): LuaFn {
  return (L) => {
    let acc = tobit(L, 1);
    const n = lua.lua_gettop(L);
    for (let i = 2; i <= n; i++) acc = op(acc, tobit(L, i));
    lua.lua_pushnumber(L, acc | 0);
    return 1;
  };
}

function shift(op: (a: number, n: number) => number): LuaFn {
  return (L) => {
    const a = tobit(L, 1);
    const n = tobit(L, 2) & 31;
    lua.lua_pushnumber(L, op(a, n) | 0);
    return 1;
  };
}

export function installBit(L: LuaState): void {
  registerLib(L, 'bit', {
    tobit: (S) => {
      lua.lua_pushnumber(S, tobit(S, 1));
      return 1;
    },
    bnot: (S) => {
      lua.lua_pushnumber(S, ~tobit(S, 1));
      return 1;
    },
    band: fold((a, b) => a & b),
    bor: fold((a, b) => a | b),
    bxor: fold((a, b) => a ^ b),
    lshift: shift((a, n) => a << n),
    rshift: shift((a, n) => a >>> n),
    arshift: shift((a, n) => a >> n),
    rol: shift((a, n) => (a << n) | (a >>> (32 - n))),
    ror: shift((a, n) => (a >>> n) | (a << (32 - n))),
    bswap: (S) => {
      const a = tobit(S, 1);
      lua.lua_pushnumber(S, ((a >>> 24) | ((a >> 8) & 0xff00) | ((a & 0xff00) << 8) | (a << 24)) | 0);
      return 1;
    },
    tohex: (S) => {
      const a = tobit(S, 1) >>> 0;
      let n = lua.lua_type(S, 2) <= lua.LUA_TNIL ? 8 : tobit(S, 2);
      const upper = n < 0;
      if (upper) n = -n;
      if (n > 8) n = 8;
      let s = a.toString(16).padStart(8, '0').slice(8 - n);
      if (upper) s = s.toUpperCase();
      lua.lua_pushstring(S, latin1ToLua(s));
      return 1;
    },
  });
}
