// cmsgpack (lua-cmsgpack as bundled with Redis): pack(...) encodes each argument, unpack(s)
// returns every value in s, unpack_one/unpack_limit decode from an offset. Whole numbers encode
// as the smallest integer type, other numbers as float32 when exact else float64; tables whose
// keys are 1..n are arrays, others maps; nesting deeper than 16 encodes as nil.
import { laux, latin1ToLua, lua, type LuaState } from '../lua.ts';
import { ByteSink, registerLib } from './util.ts';

const MAX_NESTING = 16;
const f32 = new Float32Array(1);
const dv = new DataView(new ArrayBuffer(8));

function encodeNumber(out: ByteSink, n: number): void {
  // IS_INT64_EQUIVALENT: (int64_t)n == n, so -2^63 is an integer and 2^63 a double.
  if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63) {
    if (n >= 0) {
      if (n < 128) out.byte(n);
      else if (n < 256) out.bytes(Uint8Array.of(0xcc, n));
      else if (n < 65536) out.bytes(Uint8Array.of(0xcd, n >> 8, n & 0xff));
      else if (n < 4294967296) {
        out.byte(0xce);
        dv.setUint32(0, n);
        out.bytes(new Uint8Array(dv.buffer, 0, 4).slice());
      } else {
        out.byte(0xcf);
        dv.setBigUint64(0, BigInt(n));
        out.bytes(new Uint8Array(dv.buffer, 0, 8).slice());
      }
    } else if (n >= -32) out.byte(n & 0xff);
    else if (n >= -128) out.bytes(Uint8Array.of(0xd0, n & 0xff));
    else if (n >= -32768) {
      out.byte(0xd1);
      dv.setInt16(0, n);
      out.bytes(new Uint8Array(dv.buffer, 0, 2).slice());
    } else if (n >= -2147483648) {
      out.byte(0xd2);
      dv.setInt32(0, n);
      out.bytes(new Uint8Array(dv.buffer, 0, 4).slice());
    } else {
      out.byte(0xd3);
      dv.setBigInt64(0, BigInt(n));
      out.bytes(new Uint8Array(dv.buffer, 0, 8).slice());
    }
    return;
  }
  f32[0] = n;
  if (f32[0] === n) {
    out.byte(0xca);
    dv.setFloat32(0, n);
    out.bytes(new Uint8Array(dv.buffer, 0, 4).slice());
  } else {
    out.byte(0xcb);
    dv.setFloat64(0, n);
    out.bytes(new Uint8Array(dv.buffer, 0, 8).slice());
  }
}

function header(out: ByteSink, n: number, fix: number, fixMax: number, c16: number, c32: number): void {
  if (n < fixMax) out.byte(fix | n);
  else if (n <= 0xffff) out.bytes(Uint8Array.of(c16, n >> 8, n & 0xff));
  else {
    out.byte(c32);
    dv.setUint32(0, n);
    out.bytes(new Uint8Array(dv.buffer, 0, 4).slice());
  }
}

/** lua-cmsgpack's array test: only positive integer keys, and exactly 1..n of them. */
function isArray(L: LuaState, idx: number): number {
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    lua.lua_pop(L, 1);
    if (lua.lua_type(L, -1) !== lua.LUA_TNUMBER) {
      lua.lua_pop(L, 1);
      return -1;
    }
    const k = lua.lua_tonumber(L, -1);
    if (!Number.isInteger(k) || k < 1) {
      lua.lua_pop(L, 1);
      return -1;
    }
    max = Math.max(max, k);
    count++;
  }
  return max === count ? count : -1;
}

function encode(L: LuaState, idx: number, out: ByteSink, level: number): void {
  const t = lua.lua_type(L, idx);
  if (t === lua.LUA_TSTRING) {
    const s = lua.lua_tolstring(L, idx) as Uint8Array;
    const n = s.length;
    if (n < 32) out.byte(0xa0 | n);
    else if (n <= 0xff) out.bytes(Uint8Array.of(0xd9, n));
    else header(out, n, 0, 0, 0xda, 0xdb);
    out.bytes(s);
  } else if (t === lua.LUA_TBOOLEAN) out.byte(lua.lua_toboolean(L, idx) ? 0xc3 : 0xc2);
  else if (t === lua.LUA_TNUMBER) encodeNumber(out, lua.lua_tonumber(L, idx));
  else if (t === lua.LUA_TTABLE && level < MAX_NESTING) {
    // Each level holds a key and a value on the stack: past the 20 slots a JS function starts
    // with, fengari would write over the frames above it.
    laux.luaL_checkstack(L, 3, null);
    const abs = idx < 0 ? lua.lua_gettop(L) + idx + 1 : idx;
    const n = isArray(L, abs);
    if (n >= 0) {
      header(out, n, 0x90, 16, 0xdc, 0xdd);
      for (let i = 1; i <= n; i++) {
        lua.lua_rawgeti(L, abs, i);
        encode(L, -1, out, level + 1);
        lua.lua_pop(L, 1);
      }
    } else {
      let count = 0;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs) !== 0) {
        lua.lua_pop(L, 1);
        count++;
      }
      header(out, count, 0x80, 16, 0xde, 0xdf);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs) !== 0) {
        encode(L, -2, out, level + 1);
        encode(L, -1, out, level + 1);
        lua.lua_pop(L, 1);
      }
    }
  } else out.byte(0xc0);
}

class Truncated extends Error {}
class BadFormat extends Error {}

function decode(L: LuaState, b: Uint8Array, pos: number): number {
  const need = (n: number) => {
    if (pos + n > b.length) throw new Truncated();
  };
  need(1);
  const c = b[pos++] as number;
  // Room for this value and, in a map, its key (see encode).
  laux.luaL_checkstack(L, 3, null);
  const view = () => new DataView(b.buffer, b.byteOffset + pos);
  const u16 = () => {
    need(2);
    pos += 2;
    return ((b[pos - 2] as number) << 8) | (b[pos - 1] as number);
  };
  const u32 = () => {
    need(4);
    pos += 4;
    return (((b[pos - 4] as number) << 24) >>> 0) + (((b[pos - 3] as number) << 16) | ((b[pos - 2] as number) << 8) | (b[pos - 1] as number));
  };
  const str = (n: number) => {
    need(n);
    lua.lua_pushstring(L, b.slice(pos, pos + n));
    return pos + n;
  };
  const arr = (n: number) => {
    lua.lua_createtable(L, n, 0);
    for (let i = 1; i <= n; i++) {
      pos = decode(L, b, pos);
      lua.lua_rawseti(L, -2, i);
    }
    return pos;
  };
  const map = (n: number) => {
    lua.lua_createtable(L, 0, n);
    for (let i = 0; i < n; i++) {
      pos = decode(L, b, pos);
      pos = decode(L, b, pos);
      lua.lua_rawset(L, -3);
    }
    return pos;
  };
  if (c < 0x80) {
    lua.lua_pushnumber(L, c);
    return pos;
  }
  if (c >= 0xe0) {
    lua.lua_pushnumber(L, c - 256);
    return pos;
  }
  if ((c & 0xe0) === 0xa0) return str(c & 0x1f);
  if ((c & 0xf0) === 0x90) return arr(c & 0x0f);
  if ((c & 0xf0) === 0x80) return map(c & 0x0f);
  switch (c) {
    case 0xc0:
      lua.lua_pushnil(L);
      return pos;
    case 0xc2:
    case 0xc3:
      lua.lua_pushboolean(L, c === 0xc3);
      return pos;
    case 0xcc:
    case 0xd0:
      need(1);
      lua.lua_pushnumber(L, c === 0xcc ? view().getUint8(0) : view().getInt8(0));
      return pos + 1;
    case 0xcd:
    case 0xd1:
      need(2);
      lua.lua_pushnumber(L, c === 0xcd ? view().getUint16(0) : view().getInt16(0));
      return pos + 2;
    case 0xce:
    case 0xd2:
      need(4);
      lua.lua_pushnumber(L, c === 0xce ? view().getUint32(0) : view().getInt32(0));
      return pos + 4;
    case 0xcf:
    case 0xd3:
      need(8);
      // Redis's cmsgpack reads a uint 64 as int64_t too: 0xffffffffffffffff is -1.
      lua.lua_pushnumber(L, Number(view().getBigInt64(0)));
      return pos + 8;
    case 0xca:
      need(4);
      lua.lua_pushnumber(L, view().getFloat32(0));
      return pos + 4;
    case 0xcb:
      need(8);
      lua.lua_pushnumber(L, view().getFloat64(0));
      return pos + 8;
    case 0xd9:
    case 0xc4:
      need(1);
      pos += 1;
      return str(b[pos - 1] as number);
    case 0xda:
    case 0xc5:
      return str(u16());
    case 0xdb:
    case 0xc6:
      return str(u32());
    case 0xdc:
      return arr(u16());
    case 0xdd:
      return arr(u32());
    case 0xde:
      return map(u16());
    case 0xdf:
      return map(u32());
    default:
      throw new BadFormat();
  }
}

/** Decodes up to `limit` values (0: all) from `offset`; pushes the next offset then the values. */
function unpackFrom(L: LuaState, limit: number, offset: number, withOffset: boolean): number {
  const s = laux.luaL_checklstring(L, 1);
  const base = lua.lua_gettop(L);
  let pos = offset;
  let n = 0;
  try {
    while (pos < s.length && (limit === 0 || n < limit)) {
      pos = decode(L, s, pos);
      n++;
    }
  } catch (err) {
    lua.lua_settop(L, base);
    if (err instanceof Truncated) return laux.luaL_error(L, latin1ToLua('Missing bytes in input.'));
    if (err instanceof BadFormat) return laux.luaL_error(L, latin1ToLua('Bad data format in input.'));
    throw err;
  }
  if (!withOffset) return n;
  lua.lua_pushnumber(L, pos >= s.length ? -1 : pos);
  lua.lua_insert(L, base + 1);
  return n + 1;
}

export function installCmsgpack(L: LuaState): void {
  registerLib(L, 'cmsgpack', {
    pack: (S) => {
      const n = lua.lua_gettop(S);
      if (n === 0) return laux.luaL_argerror(S, 0, latin1ToLua('MessagePack pack needs input.'));
      const out = new ByteSink();
      for (let i = 1; i <= n; i++) encode(S, i, out, 0);
      lua.lua_pushstring(S, out.result().slice());
      return 1;
    },
    unpack: (S) => unpackFrom(S, 0, 0, false),
    unpack_one: (S) => unpackFrom(S, 1, lua.lua_type(S, 2) === lua.LUA_TNUMBER ? lua.lua_tonumber(S, 2) : 0, true),
    unpack_limit: (S) => unpackFrom(S, laux.luaL_checkinteger(S, 2), lua.lua_type(S, 3) === lua.LUA_TNUMBER ? lua.lua_tonumber(S, 3) : 0, true),
  });
}
