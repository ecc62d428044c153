// Shared helpers for the bundled libraries: registering a table of JS functions as a global.
import { lstr, lua, type LuaFn, type LuaState } from '../lua.ts';

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
