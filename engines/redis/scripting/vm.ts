// One Lua state shaped like Redis 7.0's: the Lua 5.1 library set (with 5.3's extras removed and
// 5.1's compat functions back), the bundled cjson/cmsgpack/bit/struct, a `redis` table, an error
// handler that records where an error was raised, and globals that scripts can read but not create
// or modify (the read-only tables of Redis are proxies here: reads go through, writes fail).
import { chunkid51, MAXSRC } from './chunkid51.ts';
import { installFormatQuote51 } from './format-quote.ts';
import { installBit } from './libs/bit.ts';
import { installCjson } from './libs/cjson.ts';
import { installCmsgpack } from './libs/cmsgpack.ts';
import { pushArgBuilder } from './vararg51.ts';
import { installLib51, setField, type Lrand48 } from './lib51.ts';
import { installStruct } from './libs/struct.ts';
import { laux, latin1ToLua, loadFengari, lstr, lua, NEGATIVE_NAN, pow51, lualib, luaToLatin1, type LuaDebug, type LuaFn, type LuaState, type LuaString } from './lua.ts';

/** Globals a script sees, exactly Redis 7.0's list (plus KEYS/ARGV set per call). */
const GLOBALS = ['_G', '_VERSION', '__redis__err__handler', 'assert', 'bit', 'cjson', 'cmsgpack', 'collectgarbage', 'coroutine', 'error', 'gcinfo', 'getmetatable', 'ipairs', 'load', 'loadstring', 'math', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset', 'redis', 'select', 'setmetatable', 'string', 'struct', 'table', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall'];
const PROTECTED_LIBS = ['string', 'math', 'table', 'coroutine', 'bit', 'cjson', 'cmsgpack', 'struct', 'redis'];

export const READONLY_TABLE = 'Attempt to modify a readonly table';

/** A read-only table's __newindex: the error names the script's line, as Redis's luaProtectedTableError does. */
export function raiseReadonly(S: LuaState): number {
  laux.luaL_where(S, 1);
  lua.lua_pushliteral(S, READONLY_TABLE);
  lua.lua_concat(S, 2);
  return lua.lua_error(S);
}

/** The registry keys where the VM keeps its private values. */
const REG_PROXY = lstr('__redis_G');
const REG_RUNNER = lstr('__redis_runner');
const REG_FUNCTION_RUNNER = lstr('__redis_function_runner');
const REG_STRING_META = lstr('__redis_string_meta');
/** Fields of a read-only proxy's metatable: its mark, and what getmetatable shows instead of it. */
const MARK_READONLY = lstr('__redis_readonly');
const MARK_SHOWN = lstr('__redis_shown');
/** Chunk names of our own Lua code (the runner, Redis's pcall). */
const RUNNER_SOURCE = lstr('=runner');
const PCALL_SOURCE = lstr('=pcall');

/** `rand` is the server's math.random generator, which outlives a VM (SCRIPT FLUSH) as Redis's does. */
export function createState(api: (L: LuaState) => void, rand: Lrand48): LuaState {
  loadFengari();
  const L = laux.luaL_newstate();
  // A bug of ours in a JS library function must surface as a script error, not kill the thread silently.
  lua.lua_atnativeerror(L, (S) => {
    const e = lua.lua_touserdata(S, 1);
    lua.lua_pushstring(S, latin1ToLua(`internal error: ${e instanceof Error ? e.message : String(e)}`));
    return 1;
  });
  for (const [name, open] of [
    ['_G', lualib.luaopen_base],
    ['table', lualib.luaopen_table],
    ['string', lualib.luaopen_string],
    ['math', lualib.luaopen_math],
    ['coroutine', lualib.luaopen_coroutine],
  ] as const) {
    laux.luaL_requiref(L, lstr(name), open, 1);
    lua.lua_pop(L, 1);
  }
  compat51(L);
  installLib51(L, rand, { setEnv: setEnvToProxy, isProxy: isReadOnly });
  installFormatQuote51(L);
  installBit(L);
  installCjson(L);
  installCmsgpack(L);
  installStruct(L);
  lua.lua_newtable(L);
  api(L);
  lua.lua_setglobal(L, lstr('redis'));
  setGlobalFn(L, '__redis__err__handler', errorHandler);
  lua.lua_pushliteral(L, 'Lua 5.1');
  lua.lua_setglobal(L, lstr('_VERSION'));
  redisPcall(L);
  pruneGlobals(L);
  protectGlobals(L);
  compileRunner(L);
  // Lua 5.1 names a function in "bad argument" errors only by how it was called ('?' through
  // pcall); 5.3 looks it up among the loaded libraries ('string.rep'). Given none to search, it says '?'.
  lua.lua_newtable(L);
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lstr('_LOADED'));
  return L;
}

function setGlobalFn(L: LuaState, name: string, f: LuaFn): void {
  lua.lua_pushjsfunction(L, f);
  lua.lua_setglobal(L, lstr(name));
}

/** Lua 5.1's library surface on a 5.3 VM. */
function compat51(L: LuaState): void {
  for (const [t, n] of [
    ['table', 'move'],
    ['table', 'pack'],
    ['table', 'unpack'],
    ['string', 'pack'],
    ['string', 'packsize'],
    ['string', 'unpack'],
    ['math', 'tointeger'],
    ['math', 'type'],
    ['math', 'ult'],
    ['math', 'maxinteger'],
    ['math', 'mininteger'],
  ] as const) {
    setField(L, t, n, null);
  }
  const num1 = (f: (x: number) => number): LuaFn => (S) => {
    lua.lua_pushnumber(S, f(laux.luaL_checknumber(S, 1)));
    return 1;
  };
  // 5.1's math functions of two numbers check both in the C call's arguments, which gcc on x86-64
  // evaluates right to left: math.pow(false, nil) complains of argument #2.
  const num2 = (f: (x: number, y: number) => number): LuaFn => (S) => {
    const y = laux.luaL_checknumber(S, 2);
    lua.lua_pushnumber(S, f(laux.luaL_checknumber(S, 1), y));
    return 1;
  };
  // Lua 5.1's error adds the position to a number message too (5.3 only to a string).
  setGlobalFn(L, 'error', (S) => {
    const level = laux.luaL_optinteger(S, 2, 1);
    lua.lua_settop(S, 1);
    const t = lua.lua_type(S, 1);
    if ((t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER) && level > 0) {
      where51(S, level);
      lua.lua_pushvalue(S, 1);
      lua.lua_concat(S, 2);
    }
    return lua.lua_error(S);
  });
  // Lua 5.1's assert takes a string (or number) message and gives it the caller's position.
  setGlobalFn(L, 'assert', (S) => {
    laux.luaL_checkany(S, 1);
    if (lua.lua_toboolean(S, 1)) return lua.lua_gettop(S);
    const msg = lua.lua_type(S, 2) <= lua.LUA_TNIL ? lstr('assertion failed!') : laux.luaL_checklstring(S, 2);
    return laux.luaL_error(S, lstr('%s'), msg);
  });
  setField(L, 'math', 'atan2', num2(Math.atan2));
  setField(L, 'math', 'pow', num2(pow51));
  setField(L, 'math', 'cosh', num1(Math.cosh));
  setField(L, 'math', 'sinh', num1(Math.sinh));
  setField(L, 'math', 'tanh', num1(Math.tanh));
  setField(L, 'math', 'log10', num1(Math.log10));
  setField(L, 'math', 'mod', num2((x, y) => x % y));
  setField(L, 'math', 'fmod', num2((x, y) => x % y));
  setField(L, 'math', 'floor', num1(Math.floor));
  setField(L, 'math', 'ceil', num1(Math.ceil));
  // ldexp's exponent is luaL_checkint: the double cast to int64 as x86 does (LLONG_MIN when out of
  // range), then to int (its low 32 bits): math.ldexp(3, -2^63) is 3. Scaled in two steps so that an
  // intermediate power of 2 does not overflow where the result does not.
  setField(L, 'math', 'ldexp', num2((m, e) => {
    const t = Math.trunc(e);
    const i64 = t >= -(2 ** 63) && t < 2 ** 63 ? BigInt(t) : -(2n ** 63n);
    const n = Number(BigInt.asIntN(32, i64));
    const half = Math.trunc(n / 2);
    return m * 2 ** half * 2 ** (n - half);
  }));
  setField(L, 'math', 'frexp', (S) => {
    const x = laux.luaL_checknumber(S, 1);
    const [m, e] = frexp(x);
    lua.lua_pushnumber(S, m);
    lua.lua_pushnumber(S, e);
    return 2;
  });
  setField(L, 'math', 'log', (S) => {
    const x = laux.luaL_checknumber(S, 1);
    lua.lua_pushnumber(S, x < 0 ? NEGATIVE_NAN : Math.log(x));
    return 1;
  });
  setField(L, 'table', 'getn', (S) => {
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    lua.lua_pushnumber(S, lua.lua_rawlen(S, 1));
    return 1;
  });
  setField(L, 'table', 'setn', (S) => laux.luaL_error(S, lstr("'setn' is obsolete")));
  setField(L, 'table', 'maxn', (S) => {
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    let max = 0;
    lua.lua_pushnil(S);
    while (lua.lua_next(S, 1) !== 0) {
      lua.lua_pop(S, 1);
      if (lua.lua_type(S, -1) === lua.LUA_TNUMBER) max = Math.max(max, lua.lua_tonumber(S, -1));
    }
    lua.lua_pushnumber(S, max);
    return 1;
  });
  lua.lua_getglobal(L, lstr('string'));
  lua.lua_getfield(L, -1, lstr('gmatch'));
  lua.lua_setfield(L, -2, lstr('gfind'));
  lua.lua_pop(L, 1);
  // Lua 5.1's loadstring: compiles a string chunk (no binary chunks).
  setGlobalFn(L, 'loadstring', (S) => {
    const s = laux.luaL_checklstring(S, 1);
    const name = lua.lua_type(S, 2) === lua.LUA_TSTRING ? (lua.lua_tolstring(S, 2) as Uint8Array) : s;
    if (loadText51(S, s, name) !== lua.LUA_OK) {
      lua.lua_pushnil(S);
      lua.lua_insert(S, -2);
      return 2;
    }
    setEnvToProxy(S);
    return 1;
  });
  setGlobalFn(L, 'gcinfo', (S) => {
    lua.lua_pushnumber(S, 0);
    return 1;
  });
}

/**
 * luaL_loadbuffer for source text only. Redis's Lua has no binary chunks: its parser reads a leading
 * ESC (string.dump's first byte) as text and stops there, so bytecode never loads through EVAL,
 * FUNCTION LOAD or loadstring.
 */
export function loadText51(L: LuaState, s: Uint8Array, name: Uint8Array): number {
  if (s[0] !== 27) return laux.luaL_loadbuffer(L, s, s.length, name);
  lua.lua_pushstring(L, Uint8Array.from([...chunkid51(name, MAXSRC), ...lstr(":1: unexpected symbol near 'char(27)'")]));
  return lua.LUA_ERRSYNTAX;
}

/** C's frexp, from the bits (subnormals scaled up first): x = m * 2^e with 0.5 <= |m| < 1. */
function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  const v = new DataView(new ArrayBuffer(8));
  let shift = 0;
  if (Math.abs(x) < 2 ** -1022) {
    x *= 2 ** 64;
    shift = 64;
  }
  v.setFloat64(0, x);
  const hi = v.getUint32(0);
  const e = ((hi >>> 20) & 0x7ff) - 1022;
  v.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return [v.getFloat64(0), e - shift];
}

function pruneGlobals(L: LuaState): void {
  const keep = new Set(GLOBALS);
  lua.lua_pushglobaltable(L);
  const drop: Uint8Array[] = [];
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2) !== 0) {
    lua.lua_pop(L, 1);
    const k = lua.lua_tolstring(L, -1) as Uint8Array;
    if (!keep.has(luaToLatin1(k))) drop.push(k.slice());
  }
  for (const k of drop) {
    lua.lua_pushnil(L);
    lua.lua_setfield(L, -2, k);
  }
  lua.lua_pop(L, 1);
}

/** Replaces the table at the top of the stack by a read-only proxy of it. */
export function pushProxy(L: LuaState, missing: LuaFn | null): void {
  const real = lua.lua_gettop(L);
  lua.lua_newtable(L); // the proxy
  lua.lua_createtable(L, 0, 5); // its metatable
  lua.lua_pushboolean(L, true);
  lua.lua_setfield(L, -2, MARK_READONLY);
  if (missing !== null) {
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushjsfunction(L, missing);
    lua.lua_setfield(L, -2, lstr('__index'));
    // What getmetatable shows scripts: as in Redis, a read-only table holding the __index that
    // raises (never the real table, which would let a script write to the globals).
    lua.lua_pushvalue(L, -1);
    pushProxy(L, null);
    lua.lua_setfield(L, -3, MARK_SHOWN);
    lua.lua_setmetatable(L, real);
  }
  lua.lua_pushvalue(L, real);
  lua.lua_setfield(L, -2, lstr('__index'));
  lua.lua_pushjsfunction(L, raiseReadonly);
  lua.lua_setfield(L, -2, lstr('__newindex'));
  // pairs walks the real table, which stays hidden: handed out (`next, real, nil`), a script could write to
  // the globals through it and keep values from one call to the next, as redis-server never allows.
  lua.lua_pushvalue(L, real);
  lua.lua_pushcclosure(L, nextOfHidden, 1);
  lua.lua_pushcclosure(L, pairsOfProxy, 1);
  lua.lua_setfield(L, -2, lstr('__pairs'));
  lua.lua_setmetatable(L, -2);
  lua.lua_remove(L, real);
}

/** A proxy's __pairs: its iterator (upvalue 1), the proxy itself as the state, as pairs of the real table would give. */
function pairsOfProxy(S: LuaState): number {
  lua.lua_pushvalue(S, lua.lua_upvalueindex(1));
  lua.lua_pushvalue(S, 1);
  lua.lua_pushnil(S);
  return 3;
}

/** next(real, key) for the real table in upvalue 1, whatever table it is given as the state. */
function nextOfHidden(S: LuaState): number {
  lua.lua_settop(S, 2);
  lua.lua_pushvalue(S, lua.lua_upvalueindex(1));
  lua.lua_replace(S, 1);
  if (lua.lua_next(S, 1) !== 0) return 2;
  lua.lua_pushnil(S);
  return 1;
}

function protectGlobals(L: LuaState): void {
  lua.lua_pushglobaltable(L);
  const g = lua.lua_gettop(L);
  for (const name of PROTECTED_LIBS) {
    lua.lua_getfield(L, g, lstr(name));
    pushProxy(L, null);
    lua.lua_setfield(L, g, lstr(name));
  }
  // Methods on strings ("x"):rep(2) look in the same (protected) string table scripts see.
  lua.lua_pushliteral(L, '');
  lua.lua_getmetatable(L, -1);
  lua.lua_getfield(L, g, lstr('string'));
  lua.lua_setfield(L, -2, lstr('__index'));
  // Scripts see the strings' metatable read-only, as in Redis: a field written there would outlive the call.
  // The VM keeps the real one (method lookup reads it raw); getmetatable of a string answers this view.
  pushProxy(L, null);
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_STRING_META);
  lua.lua_pop(L, 1);
  // rawset on a protected table fails like Redis's read-only tables.
  lua.lua_getfield(L, g, lstr('rawset'));
  lua.lua_pushcclosure(
    L,
    (S) => {
      // Only our read-only proxies: a script's own table with a __newindex takes rawset as in 5.1.
      if (isReadOnly(S, 1)) {
        lua.lua_pushliteral(S, READONLY_TABLE);
        return lua.lua_error(S);
      }
      lua.lua_pushvalue(S, lua.lua_upvalueindex(1));
      lua.lua_insert(S, 1);
      lua.lua_call(S, lua.lua_gettop(S) - 1, 1);
      return 1;
    },
    1,
  );
  lua.lua_setfield(L, g, lstr('rawset'));
  // Redis's read-only tables are the real ones: rawget and next see their fields, as they do the proxies'
  // hidden tables here (reads only: what comes back is a value, never the table itself).
  installRawReads(L, g);
  // Redis's read-only tables refuse a new metatable, and a script never sees their real one.
  // 5.1's setmetatable, raising from here so that its errors carry the script's position.
  lua.lua_pushjsfunction(L, (S) => {
    if (isReadOnly(S, 1)) {
      lua.lua_pushliteral(S, READONLY_TABLE);
      return lua.lua_error(S);
    }
    const t = lua.lua_type(S, 2);
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    if (t !== lua.LUA_TNIL && t !== lua.LUA_TTABLE) laux.luaL_argerror(S, 2, lstr('nil or table expected'));
    if (lua.lua_getmetatable(S, 1)) {
      lua.lua_getfield(S, -1, lstr('__metatable'));
      if (lua.lua_type(S, -1) !== lua.LUA_TNIL) return laux.luaL_error(S, lstr('cannot change a protected metatable'));
      lua.lua_pop(S, 2);
    }
    lua.lua_settop(S, 2);
    lua.lua_setmetatable(S, 1);
    return 1;
  });
  lua.lua_setfield(L, g, lstr('setmetatable'));
  lua.lua_getfield(L, g, lstr('getmetatable'));
  lua.lua_pushcclosure(
    L,
    (S) => {
      if (isReadOnly(S, 1)) {
        lua.lua_getmetatable(S, 1);
        lua.lua_getfield(S, -1, MARK_SHOWN);
        return 1;
      }
      if (lua.lua_type(S, 1) === lua.LUA_TSTRING) {
        lua.lua_getfield(S, lua.LUA_REGISTRYINDEX, REG_STRING_META);
        return 1;
      }
      lua.lua_pushvalue(S, lua.lua_upvalueindex(1));
      lua.lua_insert(S, 1);
      lua.lua_call(S, lua.lua_gettop(S) - 1, 1);
      return 1;
    },
    1,
  );
  lua.lua_setfield(L, g, lstr('getmetatable'));
  lua.lua_pushvalue(L, g);
  pushProxy(L, (S) => {
    if (pushArgBuilder(S, 2)) return 1;
    const name = lua.lua_type(S, 2) === lua.LUA_TSTRING ? luaToLatin1(lua.lua_tolstring(S, 2) as Uint8Array) : luaToLatin1(laux.luaL_tolstring(S, 2));
    return laux.luaL_error(S, latin1ToLua(`Script attempted to access nonexistent global variable '${name.replace(/%/g, '%%')}'`));
  });
  lua.lua_pushvalue(L, -1);
  lua.lua_setfield(L, g, lstr('_G'));
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_PROXY);
  lua.lua_pop(L, 1);
}

/** The table at i, or a read-only proxy's hidden table in its place; raises 5.1's argument error for a non-table. */
function hiddenAt(S: LuaState, i: number): void {
  laux.luaL_checktype(S, i, lua.LUA_TTABLE);
  if (!isReadOnly(S, i)) return;
  lua.lua_getmetatable(S, i);
  lua.lua_getfield(S, -1, lstr('__index'));
  lua.lua_replace(S, i);
  lua.lua_pop(S, 1);
}

/** rawget and next as 5.1's, checking their arguments here so that errors name them and the script's line. */
function installRawReads(L: LuaState, g: number): void {
  lua.lua_pushjsfunction(L, (S) => {
    hiddenAt(S, 1);
    laux.luaL_checkany(S, 2);
    lua.lua_settop(S, 2);
    lua.lua_rawget(S, 1);
    return 1;
  });
  lua.lua_setfield(L, g, lstr('rawget'));
  lua.lua_pushjsfunction(L, (S) => {
    hiddenAt(S, 1);
    lua.lua_settop(S, 2);
    if (lua.lua_next(S, 1) !== 0) return 2;
    lua.lua_pushnil(S);
    return 1;
  });
  lua.lua_setfield(L, g, lstr('next'));
}

/** Whether the value at i is one of our read-only proxies. */
function isReadOnly(L: LuaState, i: number): boolean {
  if (lua.lua_type(L, i) !== lua.LUA_TTABLE || !lua.lua_getmetatable(L, i)) return false;
  lua.lua_getfield(L, -1, MARK_READONLY);
  const ro = lua.lua_toboolean(L, -1);
  lua.lua_pop(L, 2);
  return ro;
}

/** Gives the function at the top of the stack the protected globals as its environment. */
export function setEnvToProxy(L: LuaState): void {
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, REG_PROXY);
  lua.lua_setupvalue(L, -2, 1);
}

/**
 * Redis's __redis__err__handler: turns what was raised into {err=..., source=..., line=...},
 * with "ERR " before a plain message, and the place of the Lua code that raised it.
 */
const errorHandler: LuaFn = (L) => {
  const ar = new lua.lua_Debug();
  // The place is the user's code: past a JS function that raised, and past our own Lua wrappers
  // (a SCRIPT KILL can land while pcall's wrapper runs).
  let found = false;
  for (let level = 1; level <= 4 && !found; level++) {
    if (!lua.lua_getstack(L, level, ar) || !lua.lua_getinfo(L, lstr('nSl'), ar)) break;
    const js = ar.what !== null && ar.what[0] === 74; /* J: a JS (C) function */
    found = !js && !isOurs(ar.source);
  }
  if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) {
    // redis-server reads the message as a C string (luaExtractErrorInformation): error('a\0b') says 'a'.
    const text = lua.lua_type(L, 1) === lua.LUA_TNIL ? 'nil' : message51(luaToLatin1(laux.luaL_tolstring(L, 1)).split('\0', 1)[0] as string);
    lua.lua_createtable(L, 0, 3);
    lua.lua_pushstring(L, latin1ToLua('ERR ' + text));
    lua.lua_setfield(L, -2, lstr('err'));
  } else {
    lua.lua_pushvalue(L, 1);
  }
  if (found) {
    lua.lua_pushstring(L, ar.source as Uint8Array);
    lua.lua_setfield(L, -2, lstr('source'));
    lua.lua_pushnumber(L, ar.currentline);
    lua.lua_setfield(L, -2, lstr('line'));
  }
  return 1;
};

/**
 * Redis 7.0's pcall: an error table caught by pcall comes back as its `err` string (or, when `err`
 * is no string, followed by that field). Written in Lua
 * so that a script can still be suspended inside it.
 */
function redisPcall(L: LuaState): void {
  const src = `local pcall, type, select = pcall, type, select
local function fix(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == 'table' then
    local m = e.err
    if type(m) == 'string' or type(m) == 'number' then return false, m end
    -- luaRedisPcall leaves a non-string err it looked up on the stack: a third result (209084).
    return false, e, m
  end
  return false, e
end
-- Redis's luaRedisPcall with no argument calls a stale stack slot, which holds a boolean.
return function(...)
  if select('#', ...) == 0 then return false, 'attempt to call a boolean value' end
  return fix(pcall(...))
end`;
  laux.luaL_loadbuffer(L, latin1ToLua(src), null, PCALL_SOURCE);
  lua.lua_call(L, 0, 1);
  lua.lua_setglobal(L, lstr('pcall'));
}

/** Lua 5.3 says "attempt to index a nil value (field 'b')" where 5.1 says "attempt to index field 'b' (a nil value)". */
export function message51(msg: string): string {
  return msg.replace(/attempt to (.+?) an? (\w+) value \((\w+) '([^']*)'\)/, (_m, what: string, type: string, kind: string, name: string) => `attempt to ${what} ${kind} '${name}' (a ${type} value)`);
}

let frame: LuaDebug | null = null;

/** Whether the function running at the top of L's stack is the runner (a hook asks). */
export function inRunner(L: LuaState): boolean {
  return topSource(L, (s) => sameBytes(s, RUNNER_SOURCE));
}

/** Whether the function running at the top of L's stack is Lua code of ours (runner, pcall), which 5.1 has in C. */
export function inOurCode(L: LuaState): boolean {
  return topSource(L, isOurs);
}

function topSource(L: LuaState, test: (source: LuaString | null) => boolean): boolean {
  frame ??= new lua.lua_Debug();
  if (!lua.lua_getstack(L, 0, frame) || !lua.lua_getinfo(L, lstr('S'), frame)) return false;
  return test(frame.source);
}

/**
 * luaL_where counting only the script's frames: error('m', 2) names the same place as in Redis,
 * where no Lua wrapper of ours (pcall's) stands between a function and its caller.
 */
function where51(L: LuaState, level: number): void {
  const ar = new lua.lua_Debug();
  for (let i = 0, seen = 0; lua.lua_getstack(L, i, ar); i++) {
    if (!lua.lua_getinfo(L, lstr('Sl'), ar) || isOurs(ar.source)) continue;
    if (seen++ === level) {
      if (ar.currentline > 0) {
        lua.lua_pushstring(L, latin1ToLua(`${luaToLatin1(ar.short_src as LuaString)}:${ar.currentline}: `));
        return;
      }
      break;
    }
  }
  lua.lua_pushliteral(L, '');
}

/** Chunks of ours, never the place an error is reported at. */
function isOurs(source: LuaString | null): boolean {
  return sameBytes(source, RUNNER_SOURCE) || sameBytes(source, PCALL_SOURCE);
}

function sameBytes(a: LuaString | null, b: LuaString): boolean {
  return a !== null && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * A Lua function that runs f under xpcall with the error handler, so a coroutine can run it; and
 * the body of the scripts' xpcall as 5.1's, which passes f no arguments (5.3's passes the rest). Both
 * are Lua functions so that a script can be suspended inside them.
 */
function compileRunner(L: LuaState): void {
  // 5.1's xpcall wants any second value; one that is no function is met only when f fails.
  // The runners take fixed arguments: a vararg function would build 5.1's `arg` on every call
  // (vararg51.ts), and an EVAL script is called with none (its `...` is empty), FCALL's with two.
  const src = `local xpcall, handler, pcall, type = xpcall, __redis__err__handler, pcall, type
local function unhandled(ok, ...) if ok then return true, ... end return false, 'error in error handling' end
return function(f) return xpcall(f, handler) end, function(f, keys, args) return xpcall(f, handler, keys, args) end, function(f, h)
  if type(h) ~= 'function' then return unhandled(pcall(f)) end
  return xpcall(f, h)
end`;
  laux.luaL_loadbuffer(L, latin1ToLua(src), null, RUNNER_SOURCE);
  lua.lua_call(L, 0, 3);
  lua.lua_pushcclosure(L, xpcall51, 1);
  setRawGlobal(L, lstr('xpcall'));
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_FUNCTION_RUNNER);
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_RUNNER);
}

/**
 * xpcall's argument check in a JavaScript function, so its error is luaL_argerror's as in 5.1: named by
 * the caller's name for it ('?' under pcall), at the caller's line, a tail call run as a call. The rest
 * is the Lua function (upvalue 1), called so that a script can still be suspended inside it.
 */
function xpcall51(S: LuaState): number {
  laux.luaL_checkany(S, 2);
  lua.lua_settop(S, 2);
  lua.lua_pushvalue(S, lua.lua_upvalueindex(1));
  lua.lua_insert(S, 1);
  lua.lua_callk(S, 2, lua.LUA_MULTRET, 0, allResults);
  return allResults(S);
}

function allResults(S: LuaState): number {
  return lua.lua_gettop(S);
}

/** The runner of an EVAL script (no arguments) or, with `withArguments`, of a function (KEYS and ARGV). */
export function pushRunner(L: LuaState, withArguments: boolean): void {
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, withArguments ? REG_FUNCTION_RUNNER : REG_RUNNER);
}

/** Sets a global in the real table behind the read-only proxy (KEYS, ARGV). */
export function setRawGlobal(L: LuaState, name: Uint8Array): void {
  lua.lua_pushglobaltable(L);
  lua.lua_insert(L, -2);
  lua.lua_setfield(L, -2, name);
  lua.lua_pop(L, 1);
}
