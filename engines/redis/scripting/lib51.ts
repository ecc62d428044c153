// Library functions as Lua 5.1 in redis-server 7.0 has them, where fengari's 5.3 versions answer a
// script differently: math.random is Redis's lrand48 generator (seedable, same numbers as
// redis-server), table.insert/remove take any position, string.rep ignores a separator, gsub takes
// '%x' in a replacement as 'x', find/match clamp a start past the end, tonumber's base follows
// strtoul, load takes only a reader function, collectgarbage answers 5.1's options, pairs/ipairs
// ignore __pairs/__index, tostring returns __tostring's result as it is, and a script's own thread
// is the main one (coroutine.running is nil).
import { runInSteps } from './lib-slices.ts';
import { laux, lstr, lua, luaToLatin1, pushOwnedString, type LuaFn, type LuaState, type LuaString } from './lua.ts';

/** A string longer than this would take the process down; Redis would fail its allocation. */
const MAX_STRING = 512 * 1024 * 1024;
/** Work of one step of a library call that runs in steps (lib-slices.ts): elements, or bytes copied. */
const STEP_ITEMS = 4096;
const STEP_BYTES = 4 * 1024 * 1024;
const LRAND48_MAX = 2147483647;

/** redisLrand48: lrand48's 48-bit congruential generator, one per server (scripts and functions share it). */
export class Lrand48 {
  private x = 0x1234abcd330en;

  seed(v: number): void {
    this.x = (BigInt(v >>> 0) << 16n) | 0x330en;
  }

  /** A number in [0, 1), as redis_math_random draws it. */
  draw(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return (Number(this.x >> 17n) % LRAND48_MAX) / LRAND48_MAX;
  }
}

/** luaL_checkint of 5.1: the double cast to a 64-bit integer (x86: INT64_MIN when out of range), then to int. */
function checkInt(L: LuaState, arg: number): number {
  const t = Math.trunc(laux.luaL_checknumber(L, arg));
  if (!Number.isFinite(t) || Math.abs(t) >= 2 ** 63) return 0;
  return Number(BigInt.asIntN(32, BigInt(t)));
}

/** Sets (or with null removes) a function of a library table. */
export function setField(L: LuaState, table: string, name: string, f: LuaFn | null): void {
  lua.lua_getglobal(L, lstr(table));
  if (f === null) lua.lua_pushnil(L);
  else lua.lua_pushjsfunction(L, f);
  lua.lua_setfield(L, -2, lstr(name));
  lua.lua_pop(L, 1);
}

/** Replaces table.name by a JS function that gets the original as upvalue 1. */
function wrapField(L: LuaState, table: string, name: string, f: LuaFn): void {
  lua.lua_getglobal(L, lstr(table));
  lua.lua_getfield(L, -1, lstr(name));
  lua.lua_pushcclosure(L, f, 1);
  lua.lua_setfield(L, -2, lstr(name));
  lua.lua_pop(L, 1);
}

/**
 * Replaces a library function by `f`, which calls the original JavaScript function itself: in the same
 * call frame, so the original's errors name the script's position and the name it was called by as
 * 5.1's do, and a original that runs in steps (the pattern functions, pattern-steps.ts) may yield.
 */
function wrapDirect(L: LuaState, table: string, name: string, f: (S: LuaState, original: LuaFn) => number): void {
  lua.lua_getglobal(L, lstr(table));
  lua.lua_getfield(L, -1, lstr(name));
  const original = lua.lua_tocfunction(L, -1);
  if (original === null) throw new Error(`${table}.${name} is not a light function`);
  lua.lua_pop(L, 1);
  lua.lua_pushjsfunction(L, (S) => f(S, original));
  lua.lua_setfield(L, -2, lstr(name));
  lua.lua_pop(L, 1);
}

/**
 * Calls the original (upvalue 1) with the stack as its arguments. Its errors are raised again as
 * if it had been called by the script: at the script's position, and under the name it was called by.
 */
export function callOriginal(L: LuaState): number {
  const n = lua.lua_gettop(L);
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  if (lua.lua_pcall(L, n, lua.LUA_MULTRET, 0) === lua.LUA_OK) return lua.lua_gettop(L);
  if (lua.lua_type(L, -1) !== lua.LUA_TSTRING) return lua.lua_error(L);
  let msg = luaToLatin1(lua.lua_tolstring(L, -1) as LuaString);
  if (msg.startsWith('bad argument #') && msg.includes(" to '?' ")) {
    const ar = new lua.lua_Debug();
    if (lua.lua_getstack(L, 0, ar) && lua.lua_getinfo(L, lstr('n'), ar) && ar.name !== null) msg = msg.replace(" to '?' ", ` to '${luaToLatin1(ar.name)}' `);
  }
  lua.lua_settop(L, 0);
  laux.luaL_where(L, 1);
  lua.lua_pushstring(L, Uint8Array.from(msg, (c) => c.charCodeAt(0)));
  lua.lua_concat(L, 2);
  return lua.lua_error(L);
}

/** What the library needs of the VM: its protected globals for loaded chunks, and which tables are its read-only proxies. */
export interface VmHooks {
  setEnv(L: LuaState): void;
  isProxy(L: LuaState, i: number): boolean;
}

export function installLib51(L: LuaState, rand: Lrand48, vm: VmHooks): void {
  installMath(L, rand);
  installString(L);
  installTable(L);
  installBase(L, vm);
  installCoroutine(L);
}

function installMath(L: LuaState, rand: Lrand48): void {
  setField(L, 'math', 'random', (S) => {
    const r = rand.draw();
    switch (lua.lua_gettop(S)) {
      case 0:
        lua.lua_pushnumber(S, r);
        return 1;
      case 1: {
        const u = checkInt(S, 1);
        if (u < 1) laux.luaL_argerror(S, 1, lstr('interval is empty'));
        lua.lua_pushnumber(S, Math.floor(r * u) + 1);
        return 1;
      }
      case 2: {
        const l = checkInt(S, 1);
        const u = checkInt(S, 2);
        if (l > u) laux.luaL_argerror(S, 2, lstr('interval is empty'));
        lua.lua_pushnumber(S, Math.floor(r * (u - l + 1)) + l);
        return 1;
      }
      default:
        return laux.luaL_error(S, lstr('wrong number of arguments'));
    }
  });
  setField(L, 'math', 'randomseed', (S) => {
    rand.seed(checkInt(S, 1));
    return 0;
  });
  const extreme = (better: (a: number, b: number) => boolean): LuaFn => (S) => {
    const n = lua.lua_gettop(S);
    let best = laux.luaL_checknumber(S, 1);
    for (let i = 2; i <= n; i++) {
      const d = laux.luaL_checknumber(S, i);
      if (better(d, best)) best = d;
    }
    lua.lua_pushnumber(S, best);
    return 1;
  };
  setField(L, 'math', 'min', extreme((a, b) => a < b));
  setField(L, 'math', 'max', extreme((a, b) => a > b));
}

function installString(L: LuaState): void {
  // string.dump is fengari's 5.3 bytecode (redis-server's is 5.1's, of another length). Its version byte
  // says 5.1 (0x51) as redis-server's: the bytes up to the first NUL ('\27LuaQ') are what a script sees
  // in loadstring's message, as neither server loads a binary chunk back.
  wrapField(L, 'string', 'dump', (S) => {
    const n = callOriginal(S);
    const dumped = Uint8Array.from(lua.lua_tolstring(S, -1) as Uint8Array);
    dumped[4] = 0x51;
    lua.lua_pop(S, 1);
    lua.lua_pushstring(S, dumped);
    return n;
  });
  setField(L, 'string', 'rep', (S) => {
    const s = laux.luaL_checklstring(S, 1);
    const n = checkInt(S, 2);
    if (n <= 0 || s.length === 0) {
      lua.lua_pushliteral(S, '');
      return 1;
    }
    if (s.length * n > MAX_STRING) return laux.luaL_error(S, lstr('not enough memory'));
    const out = new Uint8Array(s.length * n);
    out.set(s);
    // Doubling what is filled, at most about STEP_BYTES per step (a 100 MB result is many steps); what is
    // filled stays a whole number of copies, so each copy from the start lines up.
    let filled = s.length;
    const chunk = Math.max(s.length, STEP_BYTES - (STEP_BYTES % s.length));
    const step = (): boolean => {
      if (filled >= out.length) return true;
      const len = Math.min(filled, out.length - filled, chunk);
      out.copyWithin(filled, 0, len);
      filled += len;
      return filled >= out.length;
    };
    return runInSteps(S, step, () => (pushOwnedString(S, out), 1));
  });
  // upper, lower and reverse of a string of many MB: in steps (C locale: ASCII letters only).
  const mapBytes = (name: string, at: (s: LuaString, i: number, n: number) => number): void =>
    setField(L, 'string', name, (S) => {
      const s = laux.luaL_checklstring(S, 1);
      const out = new Uint8Array(s.length);
      let i = 0;
      const step = (): boolean => {
        for (const end = Math.min(s.length, i + STEP_BYTES); i < end; i++) out[i] = at(s, i, s.length);
        return i >= s.length;
      };
      return runInSteps(S, step, () => (pushOwnedString(S, out), 1));
    });
  mapBytes('upper', (s, i) => {
    const c = s[i] as number;
    return c >= 97 && c <= 122 ? c & 0xdf : c;
  });
  mapBytes('lower', (s, i) => {
    const c = s[i] as number;
    return c >= 65 && c <= 90 ? c | 0x20 : c;
  });
  mapBytes('reverse', (s, i, n) => s[n - 1 - i] as number);
  setField(L, 'string', 'char', (S) => {
    const n = lua.lua_gettop(S);
    const out = new Uint8Array(n);
    for (let i = 1; i <= n; i++) {
      const c = checkInt(S, i);
      if (c < 0 || c > 255) laux.luaL_argerror(S, i, lstr('invalid value'));
      out[i - 1] = c;
    }
    lua.lua_pushstring(S, out);
    return 1;
  });
  // 5.1 starts a search past the end at the end (an empty pattern is found there); 5.3 finds nothing.
  const clampStart = (S: LuaState, original: LuaFn): number => {
    const t = lua.lua_type(S, 1);
    if ((t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER) && lua.lua_type(S, 3) === lua.LUA_TNUMBER) {
      const len = (lua.lua_tolstring(S, 1) as LuaString).length;
      let init = Math.trunc(lua.lua_tonumber(S, 3));
      if (init < 0) init += len + 1;
      if (init - 1 > len) {
        lua.lua_pushnumber(S, len + 1);
        lua.lua_replace(S, 3);
      }
    }
    return original(S);
  };
  wrapDirect(L, 'string', 'find', clampStart);
  wrapDirect(L, 'string', 'match', clampStart);
  wrapDirect(L, 'string', 'gsub', (S, original) => {
    if (lua.lua_type(S, 3) === lua.LUA_TSTRING) {
      lua.lua_pushstring(S, replacement51(lua.lua_tolstring(S, 3) as LuaString));
      lua.lua_replace(S, 3);
    }
    return original(S);
  });
}

/**
 * A gsub replacement as 5.3 reads it that means what 5.1 reads in `r`: 5.1 takes '%' before
 * anything but a digit as that character (a '%' ending the string as the NUL after it).
 */
function replacement51(r: LuaString): LuaString {
  if (!r.includes(37)) return r;
  const out: number[] = [];
  for (let i = 0; i < r.length; i++) {
    const c = r[i] as number;
    if (c !== 37) out.push(c);
    else {
      const n = r[++i];
      if (n === undefined) out.push(0);
      else if ((n >= 48 && n <= 57) || n === 37) out.push(37, n);
      else out.push(n);
    }
  }
  return Uint8Array.from(out);
}

/**
 * Lua 5.1's auxsort (ltablib.c), comparison for comparison: which pairs are compared, in which order, and so
 * the order of equal elements, the errors of an inconsistent comparator and where a bad one reads past the
 * end. A generator that stops after each comparison, so a sort of a million elements runs in steps
 * (runInSteps); 5.1's recursion into the smaller part is the explicit stack `todo`, in the same order.
 */
function* auxsort(L: LuaState, first: number, last: number): Generator<void> {
  const less = (a: number, b: number): boolean => {
    if (lua.lua_type(L, 2) === lua.LUA_TNIL) return lua.lua_compare(L, a, b, lua.LUA_OPLT);
    lua.lua_pushvalue(L, 2);
    lua.lua_pushvalue(L, a - 1);
    lua.lua_pushvalue(L, b - 2);
    lua.lua_call(L, 2, 1);
    const res = lua.lua_toboolean(L, -1);
    lua.lua_pop(L, 1);
    return res;
  };
  const set2 = (i: number, j: number): void => {
    lua.lua_rawseti(L, 1, i);
    lua.lua_rawseti(L, 1, j);
  };
  const invalid = (): never => laux.luaL_error(L, lstr('invalid order function for sorting')) as never;
  // Ranges whose sort continues once the smaller part taken before them is sorted (5.1's tail loop).
  const todo: number[] = [];
  let l = first;
  let u = last;
  for (;;) {
    while (l < u) {
      lua.lua_rawgeti(L, 1, l);
      lua.lua_rawgeti(L, 1, u);
      if (less(-1, -2)) set2(l, u);
      else lua.lua_pop(L, 2);
      yield;
      if (u - l === 1) break;
      let i = Math.trunc((l + u) / 2);
      lua.lua_rawgeti(L, 1, i);
      lua.lua_rawgeti(L, 1, l);
      if (less(-2, -1)) set2(i, l);
      else {
        lua.lua_pop(L, 1);
        lua.lua_rawgeti(L, 1, u);
        if (less(-1, -2)) set2(i, u);
        else lua.lua_pop(L, 2);
      }
      yield;
      if (u - l === 2) break;
      lua.lua_rawgeti(L, 1, i);
      lua.lua_pushvalue(L, -1);
      lua.lua_rawgeti(L, 1, u - 1);
      set2(i, u - 1);
      i = l;
      let j = u - 1;
      for (;;) {
        for (;;) {
          lua.lua_rawgeti(L, 1, ++i);
          const lt = less(-1, -2);
          yield;
          if (!lt) break;
          if (i > u) invalid();
          lua.lua_pop(L, 1);
        }
        for (;;) {
          lua.lua_rawgeti(L, 1, --j);
          const lt = less(-3, -1);
          yield;
          if (!lt) break;
          if (j < l) invalid();
          lua.lua_pop(L, 1);
        }
        if (j < i) {
          lua.lua_pop(L, 3);
          break;
        }
        set2(i, j);
      }
      lua.lua_rawgeti(L, 1, u - 1);
      lua.lua_rawgeti(L, 1, i);
      set2(u - 1, i);
      if (i - l < u - i) {
        j = l;
        i = i - 1;
        l = i + 2;
      } else {
        j = i + 1;
        i = u;
        u = j - 2;
      }
      // 5.1 recurses into [j, i] here, then loops on [l, u].
      todo.push(l, u);
      l = j;
      u = i;
    }
    if (todo.length === 0) return;
    u = todo.pop() as number;
    l = todo.pop() as number;
  }
}

/** Values unpack pushes per step (and below which it pushes them all at once). */
const UNPACK_STEP = 1024;

/** Comparisons of a sort per step between two looks at the clock. */
const SORT_STEP = 512;

function installTable(L: LuaState): void {
  // 5.1's tconcat: the separator checked before the table, values read raw, numbers as 5.1 prints them.
  setField(L, 'table', 'concat', (S) => {
    const sep = lua.lua_type(S, 2) <= lua.LUA_TNIL ? new Uint8Array(0) : laux.luaL_checklstring(S, 2);
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    let i = lua.lua_type(S, 3) <= lua.LUA_TNIL ? 1 : checkInt(S, 3);
    const last = lua.lua_type(S, 4) <= lua.LUA_TNIL ? lua.lua_rawlen(S, 1) : checkInt(S, 4);
    const parts: Uint8Array[] = [];
    let size = 0;
    const gather = (): boolean => {
      for (let n = 0; i <= last && n < STEP_ITEMS; i++, n++) {
        lua.lua_rawgeti(S, 1, i);
        const t = lua.lua_type(S, -1);
        // Redis's Lua names the value's type (its ltablib.c differs from 5.1.5's here).
        if (t !== lua.LUA_TSTRING && t !== lua.LUA_TNUMBER) return laux.luaL_error(S, lstr("invalid value (%s) at index %d in table for 'concat'"), lua.lua_typename(S, t), i);
        const v = lua.lua_tolstring(S, -1) as Uint8Array;
        lua.lua_pop(S, 1);
        if (parts.length > 0 && sep.length > 0) parts.push(sep);
        parts.push(v);
        size += v.length + (parts.length > 1 ? sep.length : 0);
        if (size > MAX_STRING) return laux.luaL_error(S, lstr('not enough memory'));
      }
      return i > last;
    };
    // The result is copied together in steps too, then handed to Lua without another copy.
    let out: Uint8Array | null = null;
    let at = 0;
    let p = 0;
    const step = (): boolean => {
      if (out === null) {
        if (!gather()) return false;
        out = new Uint8Array(size);
      }
      for (let bytes = 0; p < parts.length && bytes < STEP_BYTES; p++) {
        const part = parts[p] as Uint8Array;
        out.set(part, at);
        at += part.length;
        bytes += part.length + 64;
      }
      return p >= parts.length;
    };
    return runInSteps(S, step, () => (pushOwnedString(S, out as Uint8Array), 1));
  });
  setField(L, 'table', 'sort', (S) => {
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    const n = lua.lua_rawlen(S, 1);
    if (lua.lua_type(S, 2) > lua.LUA_TNIL) laux.luaL_checktype(S, 2, lua.LUA_TFUNCTION);
    lua.lua_settop(S, 2);
    const sort = auxsort(S, 1, n);
    const step = (): boolean => {
      for (let k = 0; k < SORT_STEP; k++) if (sort.next().done === true) return true;
      return false;
    };
    return runInSteps(S, step, () => 0);
  });
  // 5.1's unpack: int bounds (a double past them wraps as C's cast does), at most LUAI_MAXCSTACK (8000) values on the stack.
  const unpack: LuaFn = (S) => {
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    const i = lua.lua_type(S, 2) <= lua.LUA_TNIL ? 1 : checkInt(S, 2);
    const e = lua.lua_type(S, 3) <= lua.LUA_TNIL ? lua.lua_rawlen(S, 1) : checkInt(S, 3);
    if (i > e) return 0;
    const n = (e - i + 1) | 0;
    if (n <= 0 || n + lua.lua_gettop(S) > 8000 || !lua.lua_checkstack(S, n)) return laux.luaL_error(S, lstr('too many results to unpack'));
    if (n < UNPACK_STEP) {
      for (let k = 0; k < n; k++) lua.lua_rawgeti(S, 1, i + k);
      return n;
    }
    // Few instructions move many values here ({unpack(t)} in a loop): the count hook alone would let a
    // loop of them run for hundreds of ms, so a big unpack is a step that may end the script's slice.
    let k = 0;
    const step = (): boolean => {
      for (const end = Math.min(n, k + UNPACK_STEP); k < end; k++) lua.lua_rawgeti(S, 1, i + k);
      return k >= n;
    };
    return runInSteps(S, step, () => n);
  };
  lua.lua_pushjsfunction(L, unpack);
  lua.lua_setglobal(L, lstr('unpack'));
  setField(L, 'table', 'insert', (S) => {
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    let e = lua.lua_rawlen(S, 1) + 1;
    let pos: number;
    switch (lua.lua_gettop(S)) {
      case 2:
        pos = e;
        break;
      case 3:
        pos = checkInt(S, 2);
        if (pos > e) e = pos;
        for (let i = e; i > pos; i--) {
          lua.lua_rawgeti(S, 1, i - 1);
          lua.lua_rawseti(S, 1, i);
        }
        break;
      default:
        return laux.luaL_error(S, lstr("wrong number of arguments to 'insert'"));
    }
    lua.lua_rawseti(S, 1, pos);
    return 0;
  });
  setField(L, 'table', 'remove', (S) => {
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    const e = lua.lua_rawlen(S, 1);
    let pos = lua.lua_type(S, 2) <= lua.LUA_TNIL ? e : checkInt(S, 2);
    if (!(pos >= 1 && pos <= e)) return 0;
    lua.lua_rawgeti(S, 1, pos);
    for (; pos < e; pos++) {
      lua.lua_rawgeti(S, 1, pos + 1);
      lua.lua_rawseti(S, 1, pos);
    }
    lua.lua_pushnil(S);
    lua.lua_rawseti(S, 1, e);
    return 1;
  });
  setField(L, 'table', 'foreachi', (S) => {
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    laux.luaL_checktype(S, 2, lua.LUA_TFUNCTION);
    const n = lua.lua_rawlen(S, 1);
    for (let i = 1; i <= n; i++) {
      lua.lua_pushvalue(S, 2);
      lua.lua_pushnumber(S, i);
      lua.lua_rawgeti(S, 1, i);
      lua.lua_call(S, 2, 1);
      if (lua.lua_type(S, -1) !== lua.LUA_TNIL) return 1;
      lua.lua_pop(S, 1);
    }
    return 0;
  });
  setField(L, 'table', 'foreach', (S) => {
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    laux.luaL_checktype(S, 2, lua.LUA_TFUNCTION);
    lua.lua_pushnil(S);
    while (lua.lua_next(S, 1) !== 0) {
      lua.lua_pushvalue(S, 2);
      lua.lua_pushvalue(S, -3);
      lua.lua_pushvalue(S, -3);
      lua.lua_call(S, 2, 1);
      if (lua.lua_type(S, -1) !== lua.LUA_TNIL) return 1;
      lua.lua_pop(S, 2);
    }
    return 0;
  });
}

const GC_OPTIONS = ['stop', 'restart', 'collect', 'count', 'step', 'setpause', 'setstepmul'];

function installBase(L: LuaState, vm: VmHooks): void {
  const global = (name: string, f: LuaFn): void => {
    lua.lua_pushjsfunction(L, f);
    lua.lua_setglobal(L, lstr(name));
  };
  lua.lua_getglobal(L, lstr('tonumber'));
  lua.lua_pushcclosure(
    L,
    (S) => {
      const base = lua.lua_type(S, 2) <= lua.LUA_TNIL ? 10 : checkInt(S, 2);
      if (base === 10) {
        laux.luaL_checkany(S, 1);
        lua.lua_settop(S, 1);
        return callOriginal(S);
      }
      const s = luaToLatin1(laux.luaL_checklstring(S, 1));
      if (base < 2 || base > 36) laux.luaL_argerror(S, 2, lstr('base out of range'));
      const v = strtoul(s, base);
      if (v === null) lua.lua_pushnil(S);
      else lua.lua_pushnumber(S, v);
      return 1;
    },
    1,
  );
  lua.lua_setglobal(L, lstr('tonumber'));
  // 5.1's tostring returns what __tostring returns, string or not.
  lua.lua_getglobal(L, lstr('tostring'));
  lua.lua_pushcclosure(
    L,
    (S) => {
      laux.luaL_checkany(S, 1);
      if (!lua.lua_getmetatable(S, 1)) return callOriginal(S);
      lua.lua_getfield(S, -1, lstr('__tostring'));
      if (lua.lua_type(S, -1) === lua.LUA_TNIL) {
        lua.lua_settop(S, 1);
        return callOriginal(S);
      }
      lua.lua_pushvalue(S, 1);
      lua.lua_call(S, 1, 1);
      return 1;
    },
    1,
  );
  lua.lua_setglobal(L, lstr('tostring'));
  global('collectgarbage', (S) => {
    const opt = lua.lua_type(S, 1) <= lua.LUA_TNIL ? 'collect' : luaToLatin1(laux.luaL_checklstring(S, 1));
    if (!GC_OPTIONS.includes(opt)) return laux.luaL_argerror(S, 1, Uint8Array.from(`invalid option '${opt}'`, (c) => c.charCodeAt(0)));
    if (opt === 'count') lua.lua_pushnumber(S, process.memoryUsage().heapUsed / 1024);
    else if (opt === 'step') lua.lua_pushboolean(S, false);
    else if (opt === 'setpause' || opt === 'setstepmul') lua.lua_pushnumber(S, 200);
    else lua.lua_pushnumber(S, 0);
    return 1;
  });
  // 5.1's load takes only a reader function; its chunk sees the protected globals like the script.
  lua.lua_getglobal(L, lstr('load'));
  lua.lua_pushcclosure(
    L,
    (S) => {
      laux.luaL_checktype(S, 1, lua.LUA_TFUNCTION);
      lua.lua_settop(S, 2);
      const r = callOriginal(S);
      if (lua.lua_type(S, 1) === lua.LUA_TFUNCTION) {
        lua.lua_pushvalue(S, 1);
        vm.setEnv(S);
        lua.lua_pop(S, 1);
      }
      return r;
    },
    1,
  );
  lua.lua_setglobal(L, lstr('load'));
  // 5.1 knows no __pairs and reads an array raw; the read-only tables of this VM are proxies that
  // need their metamethods, where Redis's are the tables themselves. The iterator is the library's
  // own next (upvalue 2), as 5.1's pairs keeps one apart from the global: `pairs({}) == next` is false.
  lua.lua_getglobal(L, lstr('pairs'));
  lua.lua_getglobal(L, lstr('next'));
  lua.lua_pushcclosure(
    L,
    (S) => {
      if (vm.isProxy(S, 1)) return callOriginal(S);
      laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
      lua.lua_pushvalue(S, lua.lua_upvalueindex(2));
      lua.lua_pushvalue(S, 1);
      lua.lua_pushnil(S);
      return 3;
    },
    2,
  );
  lua.lua_setglobal(L, lstr('pairs'));
  const ipairsStep: LuaFn = (S) => {
    const i = laux.luaL_checkinteger(S, 2) + 1;
    lua.lua_pushnumber(S, i);
    if (vm.isProxy(S, 1)) lua.lua_geti(S, 1, i);
    else lua.lua_rawgeti(S, 1, i);
    return lua.lua_type(S, -1) === lua.LUA_TNIL ? 1 : 2;
  };
  global('ipairs', (S) => {
    laux.luaL_checktype(S, 1, lua.LUA_TTABLE);
    lua.lua_pushjsfunction(S, ipairsStep);
    lua.lua_pushvalue(S, 1);
    lua.lua_pushnumber(S, 0);
    return 3;
  });
}

/** C's strtoul as 5.1's tonumber uses it: the whole string (spaces around allowed) in `base`, or null. */
function strtoul(s: string, base: number): number | null {
  const nul = s.indexOf('\0');
  const m = /^[\t\n\v\f\r ]*([+-]?)(.*?)[\t\n\v\f\r ]*$/s.exec(nul < 0 ? s : s.slice(0, nul));
  if (m === null) return null;
  let digits = m[2] as string;
  if (base === 16 && /^0[xX][0-9a-fA-F]/.test(digits)) digits = digits.slice(2);
  if (digits === '') return null;
  let v = 0n;
  const b = BigInt(base);
  for (const ch of digits.toLowerCase()) {
    const d = parseInt(ch, 36);
    if (Number.isNaN(d) || d >= base) return null;
    v = v * b + BigInt(d);
  }
  const max = 2n ** 64n - 1n;
  // Out of range is ULONG_MAX; a minus sign negates in unsigned arithmetic.
  if (v > max) v = max;
  else if (m[1] === '-') v = (2n ** 64n - v) & max;
  return Number(v);
}

function installCoroutine(L: LuaState): void {
  setField(L, 'coroutine', 'isyieldable', null);
  wrapField(L, 'coroutine', 'create', (S) => {
    if (lua.lua_type(S, 1) !== lua.LUA_TFUNCTION || lua.lua_iscfunction(S, 1)) laux.luaL_argerror(S, 1, lstr('Lua function expected'));
    return callOriginal(S);
  });
  // The script's own thread is Lua 5.1's main thread in Redis: no running coroutine, no yield.
  setField(L, 'coroutine', 'running', (S) => {
    if (isScriptThread(S)) lua.lua_pushnil(S);
    else lua.lua_pushthread(S);
    return 1;
  });
  setField(L, 'coroutine', 'yield', (S) => {
    if (isScriptThread(S) || acrossCBoundary(S)) {
      lua.lua_pushliteral(S, 'attempt to yield across metamethod/C-call boundary');
      return lua.lua_error(S);
    }
    return lua.lua_yield(S, lua.lua_gettop(S));
  });
}

interface CallInfo {
  previous: CallInfo | null;
  callstatus: number;
}
const CIST_LUA = 1 << 1;
const CIST_FRESH = 1 << 3;

/**
 * 5.1 yields only through Lua functions called by Lua code: a pcall, a library function or a
 * metamethod between the coroutine's body and its yield refuses it (5.3 yields through pcall and
 * metamethods). Every call between the yield and the coroutine's body must be a Lua function run
 * by the same interpreter loop (a metamethod starts a fresh one).
 */
function acrossCBoundary(S: LuaState): boolean {
  const th = S as unknown as { ci: CallInfo; base_ci: CallInfo };
  for (let ci = th.ci.previous; ci !== null && ci !== th.base_ci; ci = ci.previous) {
    if ((ci.callstatus & CIST_LUA) === 0 || ((ci.callstatus & CIST_FRESH) !== 0 && ci.previous !== th.base_ci)) return true;
  }
  return false;
}

/** Registry key under which the thread that runs scripts is kept. */
export const SCRIPT_THREAD = lstr('__redis_thread');

function isScriptThread(L: LuaState): boolean {
  if (lua.lua_pushthread(L)) {
    lua.lua_pop(L, 1);
    return true;
  }
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, SCRIPT_THREAD);
  const same = lua.lua_rawequal(L, -1, -2);
  lua.lua_pop(L, 2);
  return same;
}
