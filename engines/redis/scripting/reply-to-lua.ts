// A command's raw RESP2/RESP3 reply, as redis.call hands it to Lua (Redis's conversion rules):
// integers become numbers, bulk strings strings, RESP2 nulls false and RESP3 nulls nil, status
// {ok=...}, errors {err=...}, arrays tables; RESP3 maps {map={...}}, sets {set={k=true}},
// doubles {double=n}, big numbers {big_number='...'}, verbatim strings {verbatim_string={format, string}}.
import { lua, lstr, type LuaState } from './lua.ts';

/** Pushes the reply starting at `pos` onto L's stack and returns the position after it. */
export function pushReply(L: LuaState, buf: Buffer, pos: number): number {
  const type = buf[pos] as number;
  const eol = buf.indexOf(13, pos);
  const line = pos + 1;
  const next = eol + 2;
  switch (type) {
    case 43 /* + */:
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushstring(L, buf.subarray(line, eol));
      lua.lua_setfield(L, -2, lstr('ok'));
      return next;
    case 45 /* - */:
      pushErrorTable(L, buf.subarray(line, eol));
      return next;
    case 58 /* : */:
      lua.lua_pushnumber(L, intAt(buf, line, eol));
      return next;
    case 36 /* $ */: {
      const n = intAt(buf, line, eol);
      if (n < 0) {
        lua.lua_pushboolean(L, false);
        return next;
      }
      lua.lua_pushstring(L, buf.subarray(next, next + n));
      return next + n + 2;
    }
    case 42 /* * */: {
      const n = intAt(buf, line, eol);
      if (n < 0) {
        lua.lua_pushboolean(L, false);
        return next;
      }
      return pushArray(L, buf, next, n);
    }
    case 95 /* _ */:
      lua.lua_pushnil(L);
      return next;
    case 35 /* # */:
      lua.lua_pushboolean(L, buf[line] === 116);
      return next;
    case 44 /* , */:
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushnumber(L, parseDouble(buf.toString('latin1', line, eol)));
      lua.lua_setfield(L, -2, lstr('double'));
      return next;
    case 40 /* ( */:
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushstring(L, buf.subarray(line, eol));
      lua.lua_setfield(L, -2, lstr('big_number'));
      return next;
    case 61 /* = */: {
      const n = intAt(buf, line, eol);
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, 2);
      lua.lua_pushstring(L, buf.subarray(next, next + 3));
      lua.lua_setfield(L, -2, lstr('format'));
      lua.lua_pushstring(L, buf.subarray(next + 4, next + n));
      lua.lua_setfield(L, -2, lstr('string'));
      lua.lua_setfield(L, -2, lstr('verbatim_string'));
      return next + n + 2;
    }
    case 37 /* % */: {
      const n = intAt(buf, line, eol);
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, n);
      let p = next;
      for (let i = 0; i < n; i++) {
        p = pushReply(L, buf, p);
        p = pushReply(L, buf, p);
        lua.lua_rawset(L, -3);
      }
      lua.lua_setfield(L, -2, lstr('map'));
      return p;
    }
    case 126 /* ~ */: {
      const n = intAt(buf, line, eol);
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, n);
      let p = next;
      for (let i = 0; i < n; i++) {
        p = pushReply(L, buf, p);
        lua.lua_pushboolean(L, true);
        lua.lua_rawset(L, -3);
      }
      lua.lua_setfield(L, -2, lstr('set'));
      return p;
    }
    case 124 /* | attribute: skipped, the value follows */: {
      const n = intAt(buf, line, eol);
      let p = next;
      for (let i = 0; i < 2 * n; i++) p = skipReply(buf, p);
      return pushReply(L, buf, p);
    }
    case 62 /* > */:
      return pushArray(L, buf, next, intAt(buf, line, eol));
    default:
      lua.lua_pushnil(L);
      return buf.length;
  }
}

function pushArray(L: LuaState, buf: Buffer, pos: number, n: number): number {
  lua.lua_createtable(L, n, 0);
  let p = pos;
  for (let i = 1; i <= n; i++) {
    p = pushReply(L, buf, p);
    lua.lua_rawseti(L, -2, i);
  }
  return p;
}

/** {err=msg} with trailing CR/LF trimmed, as redis.pcall returns a command error. */
export function pushErrorTable(L: LuaState, msg: Uint8Array): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, msg);
  lua.lua_setfield(L, -2, lstr('err'));
}

function skipReply(buf: Buffer, pos: number): number {
  const type = buf[pos] as number;
  const eol = buf.indexOf(13, pos);
  const next = eol + 2;
  const n = () => intAt(buf, pos + 1, eol);
  switch (type) {
    case 36:
    case 61:
      return n() < 0 ? next : next + n() + 2;
    case 42:
    case 126:
    case 62: {
      let p = next;
      for (let i = 0; i < n(); i++) p = skipReply(buf, p);
      return p;
    }
    case 37:
    case 124: {
      let p = next;
      for (let i = 0; i < 2 * n(); i++) p = skipReply(buf, p);
      return p;
    }
    default:
      return next;
  }
}

function intAt(buf: Buffer, from: number, to: number): number {
  // Past 15 digits the running sum would round at each step; redis-server's (lua_Number) of the
  // exact long long rounds once, as Number() of the text does.
  if (to - from > 15) return Number(buf.latin1Slice(from, to));
  let i = from;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
  }
  let v = 0;
  for (; i < to; i++) v = v * 10 + ((buf[i] as number) - 48);
  return neg ? -v : v;
}

function parseDouble(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  return Number(s);
}
