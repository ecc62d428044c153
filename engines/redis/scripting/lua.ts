// The Lua VM (fengari, Lua 5.3 in pure JS), typed for the calls we make, and patched once at load
// so its numbers behave like Redis's Lua 5.1: every number is a double (fengari's integers are
// 32-bit and wrap), numbers print with "%.14g" (no "5.0"), a float passed where an integer is
// expected is truncated instead of rejected, tables iterate in 5.1's order (lua51-tables.ts), and
// source is read by 5.1's lexer (lex51.ts), so the compiler accepts and refuses what 5.1's does.
import { createRequire } from 'node:module';
import { chunkid51 } from './chunkid51.ts';
import { installLexer51 } from './lex51.ts';
import { withSourcePatches } from './fengari-source.ts';
import { fillSequence, patchTables, refillSequence, setFirstKey } from './lua51-tables.ts';
import { internName, luastringCopy, nameString, stringKey } from './fengari-strings.ts';
import { formatG, formatOne } from './numfmt.ts';
import { str2d51 } from './str2d51.ts';

export { NEGATIVE_NAN, pow51 } from './math51.ts';

/** A lua_State (main state or coroutine); opaque to us. */
export type LuaState = { readonly __luaState: unique symbol };
export type LuaFn = (L: LuaState) => number;
export type LuaString = Uint8Array;

export interface LuaDebug {
  source: LuaString | null;
  name: LuaString | null;
  currentline: number;
  what: LuaString | null;
  short_src: LuaString | null;
  /** In a hook: LUA_HOOKCOUNT or LUA_HOOKLINE. */
  event: number;
}

export interface LuaApi {
  LUA_OK: number;
  LUA_YIELD: number;
  LUA_ERRRUN: number;
  LUA_ERRSYNTAX: number;
  LUA_REGISTRYINDEX: number;
  LUA_MASKCOUNT: number;
  LUA_MASKLINE: number;
  LUA_HOOKLINE: number;
  LUA_MULTRET: number;
  LUA_TNIL: number;
  LUA_TBOOLEAN: number;
  LUA_TNUMBER: number;
  LUA_TSTRING: number;
  LUA_TTABLE: number;
  LUA_TFUNCTION: number;
  lua_Debug: new () => LuaDebug;
  lua_newthread(L: LuaState): LuaState;
  lua_resume(co: LuaState, from: LuaState | null, nargs: number): number;
  lua_yield(L: LuaState, n: number): number;
  /** Yields from a JavaScript function; `k` continues it when the coroutine is resumed (and may yield again). */
  lua_yieldk(L: LuaState, n: number, ctx: number, k: ((L: LuaState, status: number, ctx: number) => number) | null): number;
  lua_isyieldable(L: LuaState): boolean;
  lua_sethook(L: LuaState, f: ((L: LuaState, ar: LuaDebug) => void) | null, mask: number, count: number): void;
  lua_gettop(L: LuaState): number;
  lua_settop(L: LuaState, n: number): void;
  lua_pop(L: LuaState, n: number): void;
  lua_pushvalue(L: LuaState, i: number): void;
  lua_rotate(L: LuaState, i: number, n: number): void;
  lua_insert(L: LuaState, i: number): void;
  lua_replace(L: LuaState, i: number): void;
  lua_remove(L: LuaState, i: number): void;
  lua_xmove(from: LuaState, to: LuaState, n: number): void;
  lua_checkstack(L: LuaState, n: number): boolean;
  lua_type(L: LuaState, i: number): number;
  lua_typename(L: LuaState, t: number): LuaString;
  lua_iscfunction(L: LuaState, i: number): boolean;
  lua_isinteger(L: LuaState, i: number): boolean;
  lua_tonumber(L: LuaState, i: number): number;
  lua_tonumberx(L: LuaState, i: number): number | false;
  lua_toboolean(L: LuaState, i: number): boolean;
  lua_tolstring(L: LuaState, i: number): LuaString | null;
  lua_tostring(L: LuaState, i: number): LuaString | null;
  lua_topointer(L: LuaState, i: number): unknown;
  lua_tothread(L: LuaState, i: number): LuaState;
  lua_pushnil(L: LuaState): void;
  lua_pushnumber(L: LuaState, n: number): void;
  lua_pushinteger(L: LuaState, n: number): void;
  lua_pushboolean(L: LuaState, b: boolean): void;
  lua_pushstring(L: LuaState, s: LuaString): void;
  lua_pushliteral(L: LuaState, s: string): void;
  lua_pushjsfunction(L: LuaState, f: LuaFn): void;
  lua_pushcclosure(L: LuaState, f: LuaFn, n: number): void;
  /** Calls as lua_call; `k` continues the JavaScript function when the callee yielded and was resumed. */
  lua_callk(L: LuaState, nargs: number, nresults: number, ctx: number, k: (L: LuaState, status: number, ctx: number) => number): void;
  lua_pushglobaltable(L: LuaState): void;
  lua_createtable(L: LuaState, narr: number, nrec: number): void;
  lua_newtable(L: LuaState): void;
  lua_rawget(L: LuaState, i: number): number;
  lua_rawgeti(L: LuaState, i: number, n: number): number;
  lua_geti(L: LuaState, i: number, n: number): number;
  lua_rawequal(L: LuaState, a: number, b: number): boolean;
  lua_pushthread(L: LuaState): boolean;
  lua_rawset(L: LuaState, i: number): void;
  lua_rawseti(L: LuaState, i: number, n: number): void;
  lua_rawlen(L: LuaState, i: number): number;
  lua_getfield(L: LuaState, i: number, k: LuaString): number;
  lua_setfield(L: LuaState, i: number, k: LuaString): void;
  lua_getglobal(L: LuaState, k: LuaString): number;
  lua_setglobal(L: LuaState, k: LuaString): void;
  lua_setmetatable(L: LuaState, i: number): void;
  lua_getmetatable(L: LuaState, i: number): boolean;
  lua_next(L: LuaState, i: number): number;
  lua_error(L: LuaState): never;
  lua_pcall(L: LuaState, nargs: number, nres: number, msgh: number): number;
  /** The JavaScript function of a light function value, or null. */
  lua_tocfunction(L: LuaState, i: number): LuaFn | null;
  lua_call(L: LuaState, nargs: number, nres: number): void;
  lua_compare(L: LuaState, a: number, b: number, op: number): boolean;
  LUA_OPLT: number;
  lua_getstack(L: LuaState, level: number, ar: LuaDebug): boolean;
  lua_getinfo(L: LuaState, what: LuaString, ar: LuaDebug): boolean;
  lua_close(L: LuaState): void;
  lua_upvalueindex(i: number): number;
  lua_concat(L: LuaState, n: number): void;
  lua_pushlightuserdata(L: LuaState, p: object): void;
  lua_touserdata(L: LuaState, i: number): unknown;
  lua_gettable(L: LuaState, i: number): number;
  lua_atnativeerror(L: LuaState, f: LuaFn): void;
  lua_setupvalue(L: LuaState, f: number, n: number): LuaString | null;
  lua_gc(L: LuaState, what: number, data: number): number;
}

export interface LauxApi {
  luaL_newstate(): LuaState;
  luaL_loadbuffer(L: LuaState, s: LuaString, sz: number | null, name: LuaString): number;
  luaL_checkstack(L: LuaState, n: number, msg: LuaString | null): void;
  luaL_checklstring(L: LuaState, arg: number): LuaString;
  luaL_checknumber(L: LuaState, arg: number): number;
  luaL_checkinteger(L: LuaState, arg: number): number;
  luaL_optinteger(L: LuaState, arg: number, def: number): number;
  luaL_checktype(L: LuaState, arg: number, t: number): void;
  luaL_checkany(L: LuaState, arg: number): void;
  luaL_argerror(L: LuaState, arg: number, msg: LuaString): never;
  luaL_error(L: LuaState, fmt: LuaString, ...args: unknown[]): never;
  luaL_where(L: LuaState, level: number): void;
  luaL_requiref(L: LuaState, name: LuaString, f: LuaFn, glb: number): void;
  luaL_tolstring(L: LuaState, i: number): LuaString;
  luaL_ref(L: LuaState, t: number): number;
  luaL_unref(L: LuaState, t: number, ref: number): void;
}

export interface LualibApi {
  luaopen_base: LuaFn;
  luaopen_table: LuaFn;
  luaopen_string: LuaFn;
  luaopen_math: LuaFn;
  luaopen_coroutine: LuaFn;
  luaopen_debug: LuaFn;
}

interface TValue {
  value: number;
  ttisinteger(): boolean;
  ttisfloat(): boolean;
  setfltvalue(n: number): void;
}

interface LobjectModule {
  luaO_str2num(s: LuaString, o: TValue): number;
}

interface LvmModule {
  tointeger(o: TValue): number | false;
  tonumber(o: TValue): number | false;
}


const req = createRequire(import.meta.url);
// Bound on the first script (createState), not at start: fengari costs a start more than any other module.
export let lua: LuaApi;
export let laux: LauxApi;
export let lualib: LualibApi;
/** Pushes `s` as a Lua string without copying it (the caller gives it up): results of many MB. */
export let pushOwnedString: (L: LuaState, s: LuaString) => void;

/** Pushes a new table of the strings (lua_newtable, then lua_rawseti of each in turn: Redis's luaCreateArray). */
export let pushStringArray: (L: LuaState, items: readonly string[]) => void;
/**
 * Whether the value on top of the stack is a table pushStringArray made that nothing changed since (no store,
 * no metatable, as many items): then it now holds `items` instead, as a new one would.
 */
export let refillStringArray: (L: LuaState, items: readonly string[]) => boolean;
/**
 * The i-th argument of the running JavaScript function as the engine's latin1 string, when it is a Lua string;
 * null otherwise. A script's constant strings (command names, fixed arguments) are one object across calls.
 */
export let stringArgument: (L: LuaState, i: number) => string | null;

/**
 * Pushes a new table holding one string field: {ok=status}, {err=message} (Redis's status and error replies).
 * `name` must be an interned name (lstr); `value` is copied.
 */
export let pushFieldTable: (L: LuaState, name: LuaString, value: LuaString) => void;

/** The object behind the value on top of the stack (a table's fengari Table), kept to be handed back to refillTable. */
export let topObject: (L: LuaState) => unknown;
/** refillStringArray of a table held by reference rather than on the stack. */
export let refillTable: (L: LuaState, t: unknown, items: readonly string[]) => boolean;

/** The compiled prototype of the Lua function on top of the stack (what a chunk's text compiles to). */
export let protoOfTop: (L: LuaState) => object;
/**
 * Pushes a new closure of prototype `p` with fresh upvalues, the first set to the globals as lua_load sets a
 * chunk's: what loading the same text again would push, without compiling it.
 */
export let pushClosureOf: (L: LuaState, p: object) => void;

/** Strings past this size are converted, not kept as fengari's table key, when read as a command argument. */
const KEEP_KEY_BYTES = 16;

export function loadFengari(): void {
  if (lua !== undefined) return;
  // lobject copies these two from luaconf when it loads, so they are replaced before fengari loads
  // (defs.js first: it and luaconf.js require each other, and defs must start that cycle).
  req('fengari/src/defs.js');
  // lvm and lobject copy luai_nummod when they load: 5.1's a - floor(a/b)*b, not 5.3's fmod
  // (-7 % math.huge is -nan in 5.1, inf in 5.3; any x % inf is -nan).
  (req('fengari/src/llimits.js') as { luai_nummod: (L: unknown, a: number, b: number) => number }).luai_nummod = (_L, a, b) => a - Math.floor(a / b) * b;
  const luaconf = req('fengari/src/luaconf.js') as { lua_number2str: (n: number) => string; LUA_COMPAT_FLOATSTRING: boolean };
  luaconf.lua_number2str = (n) => formatG(n, 14);
  luaconf.LUA_COMPAT_FLOATSTRING = true;
  // string.format hands each conversion to sprintf-js; C's printf rounds differently (exact halves).
  const fengariRequire = createRequire(req.resolve('fengari/src/lstrlib.js'));
  (fengariRequire('sprintf-js') as { sprintf: (spec: string, value: unknown) => string }).sprintf = formatOne;
  // lapi (required first by keepHooksAfterPcall) loads lvm, lobject and the parser: patched from here.
  const fengari = withSourcePatches(() => {
    keepHooksAfterPcall();
    return req('fengari') as { lua: LuaApi; lauxlib: LauxApi; lualib: LualibApi };
  });
  patchNumbers();
  const lstring = req('fengari/src/lstring.js') as { luaS_bless(L: LuaState, s: LuaString): unknown };
  const lobjectPush = req('fengari/src/lobject.js') as { pushsvalue2s(L: LuaState, ts: unknown): void };
  pushOwnedString = (L, s) => lobjectPush.pushsvalue2s(L, lstring.luaS_bless(L, s));
  bindFastPaths(lstring.luaS_bless);
  // fengari's sizes leave out C's NUL byte (its LUA_IDSIZE is 59); 5.1's count it.
  (req('fengari/src/lobject.js') as { luaO_chunkid: typeof chunkid51 }).luaO_chunkid = (source, bufflen) => chunkid51(source, bufflen + 1);
  integersAsDoubles();
  patchTables(req);
  typeErrorsAs51();
  metamethods51();
  installLexer51(req);
  lua = fengari.lua;
  laux = fengari.lauxlib;
  lualib = fengari.lualib;
}

interface StackSlot {
  type: number;
  value: unknown;
}
interface FengariString {
  hash: string | null;
  realstring: LuaString;
  /** The same bytes as the engine's latin1 string, once one was made or given (fengari-source.ts adds the field). */
  js: string | null;
}
interface FengariState {
  ci: { funcOff: number };
  top: number;
  stack: StackSlot[];
}

/** KEYS and ARGV strings up to this length are shared between runs (bindFastPaths), at most this many. */
const SHARED_STRING_MAX = 64;
const SHARED_STRINGS = 1024;

function bindFastPaths(bless: (L: LuaState, s: LuaString) => unknown): void {
  const { TValue } = req('fengari/src/lobject.js') as { TValue: new (type: number, value: unknown) => StackSlot };
  const { LUA_TLNGSTR, LUA_TTABLE } = (req('fengari/src/defs.js') as { constant_types: { LUA_TLNGSTR: number; LUA_TTABLE: number } }).constant_types;
  const scratch = new TValue(LUA_TLNGSTR, null);
  let pushingTo: LuaState | null = null;
  // KEYS and ARGV come from the engine's strings: each keeps its own, which redis.call hands back as the
  // argument (a key read through KEYS[1] is then the very string the client sent, hashed once by the key table).
  // A Lua string is immutable and fengari's holds no state of its VM, so one object serves every run:
  // a queue's scripts get the same key names (bull:q:wait, bull:q:meta) each job, and reuse skips the
  // copy into bytes and the key table's hash of them. Short strings only, and the cache starts over when full.
  const recent = new Map<string, FengariString>();
  const toValue = (s: string): unknown => {
    if (s.length <= SHARED_STRING_MAX) {
      const had = recent.get(s);
      if (had !== undefined) return had;
    }
    const ts = bless(pushingTo as LuaState, latin1ToLua(s)) as FengariString;
    ts.js = s;
    if (s.length <= SHARED_STRING_MAX) {
      if (recent.size >= SHARED_STRINGS) recent.clear();
      recent.set(s, ts);
    }
    return ts;
  };
  pushStringArray = (L, items) => {
    lua.lua_createtable(L, 0, 0);
    pushingTo = L;
    const S = L as unknown as FengariState;
    fillSequence((S.stack[S.top - 1] as StackSlot).value, items, scratch, toValue);
    pushingTo = null;
  };
  refillStringArray = (L, items) => {
    const S = L as unknown as FengariState;
    const tv = S.stack[S.top - 1] as StackSlot;
    if (tv.type !== LUA_TTABLE) return false;
    pushingTo = L;
    const done = refillSequence(tv.value, items, toValue);
    pushingTo = null;
    return done;
  };
  const lfunc = req('fengari/src/lfunc.js') as { luaF_newLclosure(L: LuaState, n: number): { p: object; nupvalues: number; upvals: { setfrom(v: unknown): void }[] }; luaF_initupvals(L: LuaState, cl: unknown): void };
  const ltable = req('fengari/src/ltable.js') as { luaH_getint(t: unknown, k: number): unknown };
  const { LUA_RIDX_GLOBALS } = req('fengari/src/defs.js') as { LUA_RIDX_GLOBALS: number };
  protoOfTop = (L) => {
    const S = L as unknown as FengariState;
    return ((S.stack[S.top - 1] as StackSlot).value as { p: object }).p;
  };
  pushClosureOf = (L, p) => {
    const proto = p as { upvalues: unknown[] };
    const cl = lfunc.luaF_newLclosure(L, proto.upvalues.length);
    cl.p = p;
    lfunc.luaF_initupvals(L, cl);
    const S = L as unknown as FengariState & { l_G: { l_registry: { value: unknown } } };
    if (cl.nupvalues >= 1) cl.upvals[0]!.setfrom(ltable.luaH_getint(S.l_G.l_registry.value, LUA_RIDX_GLOBALS));
    lua.lua_pushnil(L);
    (S.stack[S.top - 1] as StackSlot & { setclLvalue(cl: unknown): void }).setclLvalue(cl);
  };
  const fieldKey = new TValue(LUA_TLNGSTR, null);
  const fieldValue = new TValue(LUA_TLNGSTR, null);
  const newString = (S: LuaState, b: LuaString): object => bless(S, luastringCopy(b)) as object;
  const asIs = (b: LuaString): LuaString => b;
  pushFieldTable = (L, name, value) => {
    lua.lua_createtable(L, 0, 1);
    const S = L as unknown as FengariState;
    // fengari's store copies both into TValues of its own: the two scratch ones serve every call.
    fieldKey.value = nameString(L, name, newString, asIs);
    fieldValue.value = bless(L, luastringCopy(value));
    setFirstKey(L, (S.stack[S.top - 1] as StackSlot).value, fieldKey, fieldValue);
    fieldKey.value = null;
    fieldValue.value = null;
  };
  topObject = (L) => {
    const S = L as unknown as FengariState;
    return (S.stack[S.top - 1] as StackSlot).value;
  };
  refillTable = (L, t, items) => {
    pushingTo = L;
    const done = refillSequence(t, items, toValue);
    pushingTo = null;
    return done;
  };
  stringArgument = (L, i) => {
    const S = L as unknown as FengariState;
    const at = S.ci.funcOff + i;
    if (at >= S.top) return null;
    const tv = S.stack[at] as StackSlot;
    // Both string variants (short, long) have type 4 in their low bits.
    if ((tv.type & 15) !== 4) return null;
    const ts = tv.value as FengariString;
    if (ts.js !== null) return ts.js;
    // fengari's table key of a string is '|' and its bytes one char each: the engine's string is the rest.
    if (ts.hash !== null) return (ts.js = ts.hash.slice(1));
    const bytes = ts.realstring;
    // A longer string is most often made by the script (a key joined from parts, a payload), read once: the key
    // would be one more copy. Short ones are the command names and fixed arguments met on every call.
    if (bytes.length > KEEP_KEY_BYTES) return (ts.js = luaToLatin1(bytes));
    const key = stringKey(bytes);
    ts.hash = key;
    return (ts.js = key.slice(1));
  };
}

/**
 * fengari's yieldable pcall only ever clears the bit that remembers whether hooks were on, so an
 * error caught by pcall inside a coroutine turns the count hook off for good: a script looping
 * around pcall then never yields nor sees SCRIPT KILL, and the whole process hangs. The bit is set
 * right before fengari's own code reads it. Must run before lua.js copies lapi's exports.
 */
function keepHooksAfterPcall(): void {
  const lapi = req('fengari/src/lapi.js') as { lua_pcallk: (L: { ci: { callstatus: number }; allowhook: number }, ...rest: unknown[]) => number };
  const { CIST_OAH } = req('fengari/src/lstate.js') as { CIST_OAH: number };
  const pcallk = lapi.lua_pcallk;
  lapi.lua_pcallk = (L, ...rest) => {
    if (L.allowhook) L.ci.callstatus |= CIST_OAH;
    else L.ci.callstatus &= ~CIST_OAH;
    return pcallk(L, ...rest);
  };
}

/**
 * Lua 5.1 names the variable first in a type error: "attempt to index local 't' (a nil value)";
 * 5.3 last: "attempt to index a nil value (local 't')". Scripts see the text (pcall, error replies).
 * Patterns: 5.1 says "invalid capture index" without the index.
 */
function typeErrorsAs51(): void {
  const lobject = req('fengari/src/lobject.js') as { luaO_pushvfstring: (L: unknown, fmt: LuaString, argp: unknown[]) => LuaString };
  const pushv = lobject.luaO_pushvfstring;
  const typeError = 'attempt to %s a %s value%s';
  const as51 = latin1ToLua("attempt to %s %s '%s' (a %s value)");
  // 5.1 does not say which capture.
  const captureIndex = 'invalid capture index %%%d';
  const captureIndex51 = latin1ToLua('invalid capture index');
  // 5.1's matchbalance says only this (fengari's text lacks its closing parenthesis).
  const balance = "malformed pattern (missing arguments to '%%b'";
  const balance51 = latin1ToLua('unbalanced pattern');
  lobject.luaO_pushvfstring = (L, fmt, argp) => {
    if (fmt.length === captureIndex.length && luaToLatin1(fmt) === captureIndex) return pushv(L, captureIndex51, []);
    if (fmt.length === balance.length && luaToLatin1(fmt) === balance) return pushv(L, balance51, []);
    if (fmt.length === typeError.length && luaToLatin1(fmt) === typeError) {
      const m = /^ \((\w+) '(.*)'\)$/s.exec(luaToLatin1(argp[2] as LuaString));
      // 5.1 names no constant: -('1e') is "attempt to perform arithmetic on a string value".
      if (m !== null && m[1] === 'constant') return pushv(L, fmt, [argp[0], argp[1], latin1ToLua('')]);
      if (m !== null) return pushv(L, as51, [argp[0], latin1ToLua(m[1] as string), latin1ToLua(m[2] as string), argp[1]]);
    }
    return pushv(L, fmt, argp);
  };
}

interface MetaValue {
  type: number;
  value: unknown;
  setbvalue(b: boolean): void;
}

/**
 * Metamethods as Lua 5.1 looks them up: `#` takes a table's length raw (__len applies to userdata
 * only), and `==` calls __eq only when both operands have the same one (5.3 takes either's).
 * fengari's `==` asks for the first operand's __eq, then the second's if there is none, then calls
 * what it found: both steps happen back to back, so the two wrappers below see them in turn.
 */
function metamethods51(): void {
  type Meta = { value: { metatable: unknown } };
  const ltm = req('fengari/src/ltm.js') as {
    fasttm: (L: unknown, mt: unknown, e: number) => MetaValue | null;
    luaT_callTM: (L: unknown, f: MetaValue, p1: Meta, p2: Meta, p3: MetaValue, hasres: number) => void;
    TMS: { TM_LEN: number; TM_EQ: number };
  };
  const { fasttm, luaT_callTM: callTM } = ltm;
  const { TM_LEN: LEN, TM_EQ: EQ } = ltm.TMS;
  let secondLookup = false;
  let found: MetaValue | null = null;
  ltm.fasttm = (L, mt, e) => {
    if (e === LEN) return null;
    if (e !== EQ) return fasttm(L, mt, e);
    // 5.1 looks no further when the first operand has no __eq.
    if (secondLookup) {
      secondLookup = false;
      return null;
    }
    const tm = fasttm(L, mt, e);
    if (tm === null) secondLookup = true;
    else found = tm;
    return tm;
  };
  ltm.luaT_callTM = (L, f, p1, p2, p3, hasres) => {
    if (found !== null && f === found) {
      found = null;
      const mt2 = p2.value.metatable;
      if (mt2 !== p1.value.metatable) {
        const tm2 = mt2 === null || mt2 === undefined ? null : fasttm(L, mt2, EQ);
        if (tm2 === null || tm2.type !== f.type || tm2.value !== f.value) return p3.setbvalue(false);
      }
    }
    return callTM(L, f, p1, p2, p3, hasres);
  };
}

const TWO_63 = 2 ** 63;

function patchNumbers(): void {
  const lobject = req('fengari/src/lobject.js') as LobjectModule;
  const lvm = req('fengari/src/lvm.js') as LvmModule;
  // tonumber and arithmetic on strings read numbers as 5.1 does (strtod: "inf", "nan", any length of hex).
  lobject.luaO_str2num = (s, o) => {
    const v = str2d51(s);
    if (v === null) return 0;
    o.setfltvalue(v);
    return s.length + 1;
  };
  // Lua 5.1 casts a float to an integer where an integer is wanted (string.format('%d', 3.7) is 3).
  lvm.tointeger = (o) => {
    if (o.ttisinteger()) return o.value;
    const n = lvm.tonumber(o);
    if (n === false) return false;
    const t = Math.trunc(n);
    // x86's cast of NaN, an infinity or a double past int64 is LLONG_MIN: string.format('%d', 1/0) and
    // string.sub(s, 1/0) answer with it in 5.1, never "number has no integer representation".
    return t >= -TWO_63 && t < TWO_63 ? t : -TWO_63;
  };
}

/**
 * Lua 5.1 has no integers: a length, a string position or a table key is a double, so `#t * #t`
 * does not wrap at 32 bits as fengari's integer arithmetic would. Every integer fengari makes
 * (arithmetic results, lengths, values copied between slots: results of library functions, keys
 * out of tables) is stored as a float; its tables hash numbers by value, so they do not mind.
 */
function integersAsDoubles(): void {
  const defs = req('fengari/src/defs.js') as { constant_types: { LUA_TNUMFLT: number; LUA_TNUMINT: number } };
  const { LUA_TNUMFLT: FLT, LUA_TNUMINT: INT } = defs.constant_types;
  const lobject = req('fengari/src/lobject.js') as { TValue: { prototype: { setivalue(x: number): void; setfrom(tv: { type: number; value: unknown }): void } } };
  const proto = lobject.TValue.prototype as unknown as { type: number; value: unknown; setivalue(x: number): void; setfrom(tv: { type: number; value: unknown }): void };
  proto.setivalue = function (this: { type: number; value: unknown }, x: number) {
    this.type = FLT;
    this.value = x;
  };
  proto.setfrom = function (this: { type: number; value: unknown }, tv: { type: number; value: unknown }) {
    this.type = tv.type === INT ? FLT : tv.type;
    this.value = tv.value;
  };
}

/** Byte-for-byte conversions between the engine's latin1 strings and Lua strings. */
export function latin1ToLua(s: string): LuaString {
  const n = s.length;
  const out = new Uint8Array(n);
  // Buffer's latin1 write keeps each char's low byte as the loop does, natively: ARGV's job data, JSON.
  if (n > 32) Buffer.from(out.buffer, 0, n).write(s, 0, 'latin1');
  else for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function luaToLatin1(b: LuaString): string {
  const n = b.length;
  if (n < 64) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(b[i] as number);
    return s;
  }
  return Buffer.from(b.buffer, b.byteOffset, n).toString('latin1');
}

/** Interned names used as table keys and globals (ASCII). */
const names = new Map<string, LuaString>();
export function lstr(s: string): LuaString {
  let b = names.get(s);
  if (b === undefined) {
    names.set(s, (b = latin1ToLua(s)));
    internName(b);
  }
  return b;
}
