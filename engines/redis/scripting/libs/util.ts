// Shared helpers for the bundled libraries: registering a table of JS functions as a global.
import { laux, lstr, lua, type LuaFn, type LuaState } from '../lua.ts';

export function registerLib(L: LuaState, name: string, fns: Record<string, LuaFn>): void {
  lua.lua_createtable(L, 0, Object.keys(fns).length);
  for (const [k, f] of Object.entries(fns)) {
    lua.lua_pushjsfunction(L, f);
    lua.lua_setfield(L, -2, lstr(k));
  }
  lua.lua_setglobal(L, lstr(name));
}

/** Appends bytes to a growing buffer. */
export class ByteSink {
  buf = new Uint8Array(64);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b & 0xff;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  ascii(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * luaL_checkinteger of Lua 5.1 as redis-server's libraries call it: any number, or a string that
 * reads as one, truncated toward zero (5.3's refusal of 1.5 does not exist there).
 */
export function checkInteger51(L: LuaState, arg: number): number {
  return Math.trunc(laux.luaL_checknumber(L, arg));
}

/** luaL_optinteger of Lua 5.1: the default only when the argument is absent or nil, else checkInteger51. */
export function optInteger51(L: LuaState, arg: number, def: number): number {
  return lua.lua_type(L, arg) <= lua.LUA_TNIL ? def : checkInteger51(L, arg);
}
