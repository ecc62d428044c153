// A script's return value as the reply its caller gets (Redis's Lua -> RESP rules): strings bulk,
// numbers integers (truncated), tables with a string err/ok field errors/status, {double=},
// {big_number=}, {map=}, {set=}, other tables arrays up to the first nil; booleans per the
// script's RESP version; anything else a null.
import type { ReplyWriter } from '../resp/writer.ts';
import { lua, lstr, luaToLatin1, type LuaState } from './lua.ts';

/** How deep nested tables may go before Redis's "reached lua stack limit". */
const MAX_DEPTH = 1000;
const INT64_MIN = '-9223372036854775808';

export function writeLuaValue(L: LuaState, idx: number, w: ReplyWriter, scriptResp: 2 | 3, depth = 0): void {
  const t = lua.lua_type(L, idx);
  switch (t) {
    case lua.LUA_TSTRING:
      w.bulk(luaToLatin1(lua.lua_tolstring(L, idx) as Uint8Array));
      return;
    case lua.LUA_TNUMBER:
      writeInteger(w, lua.lua_tonumber(L, idx));
      return;
    case lua.LUA_TBOOLEAN: {
      const b = lua.lua_toboolean(L, idx);
      if (scriptResp === 2) {
        if (b) w.int(1);
        else w.nil();
      } else w.bool(b);
      return;
    }
    case lua.LUA_TTABLE:
      if (depth >= MAX_DEPTH || !lua.lua_checkstack(L, 4)) {
        w.error('ERR reached lua stack limit');
        return;
      }
      writeTable(L, idx < 0 ? lua.lua_gettop(L) + idx + 1 : idx, w, scriptResp, depth);
      return;
    default:
      w.nil();
  }
}

function writeInteger(w: ReplyWriter, n: number): void {
  // A C cast of a double outside the int64 range (or NaN) gives INT64_MIN on x86.
  if (!(Math.abs(n) < 9223372036854775808)) {
    w.bigint(BigInt(INT64_MIN));
    return;
  }
  const t = Math.trunc(n);
  if (Number.isSafeInteger(t)) w.int(t);
  else w.bigint(BigInt(t));
}

function stringField(L: LuaState, idx: number, name: string): string | null {
  rawField(L, idx, name);
  const s = lua.lua_type(L, -1) === lua.LUA_TSTRING ? luaToLatin1(lua.lua_tolstring(L, -1) as Uint8Array) : null;
  lua.lua_pop(L, 1);
  return s;
}

function writeTable(L: LuaState, idx: number, w: ReplyWriter, resp: 2 | 3, depth: number): void {
  const err = stringField(L, idx, 'err');
  if (err !== null) {
    w.error(err);
    return;
  }
  const ok = stringField(L, idx, 'ok');
  if (ok !== null) {
    w.simple(ok.replace(/[\r\n]/g, ' '));
    return;
  }
  rawField(L, idx, 'double');
  if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
    const d = lua.lua_tonumber(L, -1);
    lua.lua_pop(L, 1);
    w.double(d);
    return;
  }
  lua.lua_pop(L, 1);
  const big = stringField(L, idx, 'big_number');
  if (big !== null) {
    if (w.proto === 3) w.raw(Buffer.from(`(${big.replace(/[\r\n]/g, ' ')}\r\n`, 'latin1'));
    else w.bulk(big);
    return;
  }
  rawField(L, idx, 'map');
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
    const m = lua.lua_gettop(L);
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, m) !== 0) {
      n++;
      lua.lua_pop(L, 1);
    }
    w.map(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, m) !== 0) {
      writeLuaValue(L, -2, w, resp, depth + 1);
      writeLuaValue(L, -1, w, resp, depth + 1);
      lua.lua_pop(L, 1);
    }
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  rawField(L, idx, 'set');
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
    const s = lua.lua_gettop(L);
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, s) !== 0) {
      n++;
      lua.lua_pop(L, 1);
    }
    w.setHeader(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, s) !== 0) {
      lua.lua_pop(L, 1);
      writeLuaValue(L, -1, w, resp, depth + 1);
    }
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  let n = 0;
  while (lua.lua_rawgeti(L, idx, n + 1) !== lua.LUA_TNIL) {
    lua.lua_pop(L, 1);
    n++;
  }
  lua.lua_pop(L, 1);
  w.array(n);
  for (let i = 1; i <= n; i++) {
    lua.lua_rawgeti(L, idx, i);
    writeLuaValue(L, -1, w, resp, depth + 1);
    lua.lua_pop(L, 1);
  }
}

/** Redis reads these fields raw: a metatable on the returned table changes nothing. */
function rawField(L: LuaState, idx: number, name: string): void {
  lua.lua_pushstring(L, lstr(name));
  lua.lua_rawget(L, idx);
}
