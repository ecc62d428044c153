// Redis 7 functions: libraries loaded with FUNCTION LOAD ("#!lua name=lib" + code calling
// redis.register_function), run by FCALL / FCALL_RO through the same runner as EVAL but in a Lua VM
// of their own, as redis-server 7.0's function_lua.c keeps one apart from EVAL's: SCRIPT FLUSH
// leaves the libraries and their state alone, and a function sees none of EVAL's globals. A
// library's code runs once at load with only `redis` (register_function, log, the constants)
// visible; its functions, when called, see the full sandbox and API.
import { fail } from '../errors.ts';
import { splitInline } from '../resp/parser.ts';
import { emptyFlags, setFlag, type ScriptFlags } from './flags.ts';
import { laux, latin1ToLua, lstr, lua, luaToLatin1, protoOfTop, pushClosureOf, type LuaFn, type LuaState } from './lua.ts';
import type { Scripting } from './scripting.ts';
import { installApi, raise } from './api.ts';
import { SCRIPT_THREAD } from './lib51.ts';
import { createState, loadText51, pushProxy, pushRunner, raiseReadonly, setRawGlobal } from './vm.ts';
import { pushArgBuilder } from './vararg51.ts';

export interface FunctionDef {
  name: string;
  description: string | null;
  flags: ScriptFlags;
  /** Registry reference of the callback. */
  ref: number;
  library: Library;
}

export interface Library {
  name: string;
  code: string;
  functions: Map<string, FunctionDef>;
}

/** How often the hook of a library's code at load looks at its bound (VM instructions). */
const LOAD_HOOK_COUNT = 10000;

/**
 * How long a library's code may run while it loads, in wall-clock milliseconds or in VM
 * instructions. FUNCTION LOAD has redis-server's 500 ms. Libraries that come from a dump, a
 * snapshot, a primary or a VM reset have no bound in redis-server, but here their code runs
 * synchronously on the event loop every node and the API share, so an endless loop would freeze
 * the process for good: they get a budget of instructions instead, which a machine's load does
 * not shrink. 1e8 is twice what redis-server's C Lua runs in the 500 ms of the FUNCTION LOAD that
 * once accepted the library (about 1e8 instructions a second), so any library a redis-server took
 * loads; a looping one fails after a few seconds (fengari runs 1e7 to 3e7 instructions a second).
 */
export type LoadBound = { ms: number } | { instructions: number };
const FUNCTION_LOAD_BOUND: LoadBound = { ms: 500 };
const RESTORE_BOUND: LoadBound = { instructions: 1e8 };
/** How many compiled library texts pushChunk keeps. */
const COMPILED_KEPT = 16;
const NAME_RE = /^[A-Za-z0-9_]+$/;
const NAME_ERROR = 'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';
const REG_ENV = lstr('__redis_fn_env');
const REG_LOAD_REDIS = lstr('__redis_fn_load_api');
/** The environment's metatable, and what its __index is while a library loads and once it has. */
const REG_ENV_META = lstr('__redis_fn_env_meta');
const REG_LOAD_INDEX = lstr('__redis_fn_load_index');
const REG_RUN_INDEX = lstr('__redis_fn_run_index');
/** The error handler, kept in the registry only: function_lua.c has no global of it. */
const REG_ERR_HANDLER = lstr('__redis_fn_err_handler');
const ERR_HANDLER_GLOBAL = lstr('__redis__err__handler');

/**
 * Parses the "#!lua name=lib" line as redis-server 7.0 does (split like a command line, so quotes
 * work; every part but the first must be name=...), then checks the engine, then the name.
 */
function parseMetadata(code: string): string {
  if (!code.startsWith('#!')) fail('ERR Missing library metadata');
  const nl = code.indexOf('\n');
  const parts = nl < 0 ? null : splitInline(code.slice(0, nl));
  if (parts === null || parts.length === 0) fail('ERR Invalid library metadata');
  const engine = (parts[0] as string).slice(2);
  let name: string | null = null;
  for (const p of parts.slice(1)) {
    if (p.slice(0, 5).toLowerCase() !== 'name=') fail(`ERR Invalid metadata value given: ${p}`);
    if (name !== null) fail('ERR Invalid metadata value, name argument was given multiple times');
    name = p.slice(5);
  }
  if (name === null) fail('ERR Library name was not given');
  if (engine.toLowerCase() !== 'lua') fail(`ERR Engine '${engine}' not found`);
  if (!NAME_RE.test(name)) fail(NAME_ERROR);
  return name;
}

function missingGlobal(S: LuaState): number {
  const name = luaToLatin1(laux.luaL_tolstring(S, 2));
  return laux.luaL_error(S, latin1ToLua(`Script attempted to access nonexistent global variable '${name.replace(/%/g, '%%')}'`));
}

/** Points the library environment's __index at `which` (REG_LOAD_INDEX or REG_RUN_INDEX). */
function setEnvIndex(L: LuaState, which: Uint8Array): void {
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, REG_ENV_META);
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, which);
  lua.lua_setfield(L, -2, lstr('__index'));
  lua.lua_pop(L, 1);
}

interface RegisterArgs {
  name: string;
  /** Registry reference of the callback. */
  ref: number;
  description: string | null;
  flags: ScriptFlags;
}

/** A string, or a number as its text (Lua's lua_isstring), copied so a key being iterated stays as it is; null otherwise. */
function luaString(L: LuaState, i: number): string | null {
  const t = lua.lua_type(L, i);
  if (t !== lua.LUA_TSTRING && t !== lua.LUA_TNUMBER) return null;
  lua.lua_pushvalue(L, i);
  const s = luaToLatin1(lua.lua_tolstring(L, -1) as Uint8Array);
  lua.lua_pop(L, 1);
  return s;
}

/** register_function(name, callback). */
function positionalArgs(L: LuaState): RegisterArgs | string {
  const name = luaString(L, 1);
  if (name === null) return 'ERR first argument to redis.register_function must be a string';
  if (lua.lua_type(L, 2) !== lua.LUA_TFUNCTION) return 'ERR second argument to redis.register_function must be a function';
  lua.lua_pushvalue(L, 2);
  return { name, ref: laux.luaL_ref(L, lua.LUA_REGISTRYINDEX), description: null, flags: emptyFlags() };
}

export class Functions {
  readonly libraries = new Map<string, Library>();
  /** By lower-cased name: FCALL finds a function and load sees a collision whatever the case, as redis-server 7.0 does. */
  private readonly functions = new Map<string, FunctionDef>();
  /** The library being loaded: register_function adds to it. */
  private loading: Library | null = null;
  /** The functions' VM (made on the first FUNCTION LOAD or restore), its runner's reference and the thread FCALL runs in. */
  private vm: LuaState | null = null;
  private runnerRef = 0;
  private thread: LuaState | null = null;
  /**
   * Libraries replaced, deleted, flushed or that failed to load: their callbacks' registry references
   * are released once the operation is over (a RESTORE that fails links the old ones again).
   */
  private readonly dropped = new Set<Library>();
  private restoring = false;
  /** Prototypes of the last library texts compiled (pushChunk), for the VM `protosOf`. */
  private readonly protos = new Map<string, object>();
  private protosOf: LuaState | null = null;

  constructor(private readonly scripting: Scripting) {}

  /**
   * The VM, made when first needed: a node that never loads a library pays nothing for it (a VM
   * costs 5-14 ms of CPU and 160-220 KB of heap). FUNCTION FLUSH keeps it, as redis-server does:
   * libraries cannot write its globals, so nothing of theirs outlives them but their closures,
   * which are released.
   */
  get L(): LuaState {
    if (this.vm !== null) return this.vm;
    const L = createState((S) => installApi(S, this.scripting, false, false), this.scripting.rand);
    lua.lua_getglobal(L, ERR_HANDLER_GLOBAL);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_ERR_HANDLER);
    lua.lua_pushnil(L);
    setRawGlobal(L, ERR_HANDLER_GLOBAL);
    pushRunner(L, true);
    this.runnerRef = laux.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.vm = L;
    this.setupEnv(L);
    return L;
  }

  /** The runner FCALL starts a function with (vm.ts pushRunner), as a registry reference of this VM. */
  get runner(): number {
    void this.L;
    return this.runnerRef;
  }

  /** The coroutine FCALL runs in, made once and kept (anchored in the registry) until a run breaks it. */
  runThread(): LuaState {
    if (this.thread === null) {
      const L = this.L;
      this.thread = lua.lua_newthread(L);
      lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, SCRIPT_THREAD);
    }
    return this.thread;
  }

  /** A run died outside the runner's xpcall: its coroutine cannot be resumed again. */
  dropThread(): void {
    this.thread = null;
  }

  get count(): number {
    return this.functions.size;
  }

  find(name: string): FunctionDef | undefined {
    return this.functions.get(name.toLowerCase());
  }

  private link(lib: Library): void {
    this.libraries.set(lib.name, lib);
    for (const f of lib.functions.values()) this.functions.set(f.name.toLowerCase(), f);
  }

  /** The environment of library code: only `redis` while loading, everything once loaded. */
  private setupEnv(L: LuaState): void {
    lua.lua_newtable(L);
    installApi(L, this.scripting, true);
    lua.lua_pushjsfunction(L, this.registerFunction);
    lua.lua_setfield(L, -2, lstr('register_function'));
    // Read-only as Redis protects it: a function that kept a reference to it cannot write to it later.
    pushProxy(L, (S) => {
      const name = luaToLatin1(laux.luaL_tolstring(S, 2));
      return laux.luaL_error(S, latin1ToLua(`Script attempted to access nonexistent global variable '${name.replace(/%/g, '%%')}'`));
    });
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_LOAD_REDIS);
    // While a library loads, its code sees only `redis` (the loading API).
    lua.lua_pushjsfunction(L, (S) => {
      if (pushArgBuilder(S, 2)) return 1;
      if (lua.lua_type(S, 2) === lua.LUA_TSTRING && luaToLatin1(lua.lua_tolstring(S, 2) as Uint8Array) === 'redis') {
        lua.lua_getfield(S, lua.LUA_REGISTRYINDEX, REG_LOAD_REDIS);
        return 1;
      }
      return missingGlobal(S);
    });
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_LOAD_INDEX);
    // Once loaded, every global. They never change after the VM is made, so a copy serves: a global
    // read is a table lookup, not a call. Its misses raise here rather than through the globals' own
    // __index, so that the error names the script's line as Redis's does.
    lua.lua_newtable(L);
    lua.lua_pushglobaltable(L);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2) !== 0) {
      lua.lua_pushvalue(L, -2);
      lua.lua_insert(L, -2);
      lua.lua_rawset(L, -5);
    }
    lua.lua_pop(L, 1);
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushjsfunction(L, (S) => (pushArgBuilder(S, 2) ? 1 : missingGlobal(S)));
    lua.lua_setfield(L, -2, lstr('__index'));
    lua.lua_setmetatable(L, -2);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_RUN_INDEX);
    lua.lua_newtable(L);
    lua.lua_createtable(L, 0, 2);
    lua.lua_pushvalue(L, -1);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_ENV_META);
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, REG_RUN_INDEX);
    lua.lua_setfield(L, -2, lstr('__index'));
    lua.lua_pushjsfunction(L, raiseReadonly);
    lua.lua_setfield(L, -2, lstr('__newindex'));
    lua.lua_setmetatable(L, -2);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, REG_ENV);
  }

  private readonly registerFunction: LuaFn = (L) => {
    const lib = this.loading;
    if (lib === null) return raise(L, 'ERR redis.register_function can only be called on FUNCTION LOAD command');
    const n = lua.lua_gettop(L);
    if (n < 1 || n > 2) return raise(L, 'ERR wrong number of arguments to redis.register_function');
    const args = n === 1 ? this.namedArgs(L) : positionalArgs(L);
    if (typeof args === 'string') return raise(L, args);
    const { name, ref, description, flags } = args;
    const refuse = (msg: string): number => {
      laux.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
      return raise(L, msg);
    };
    if (!NAME_RE.test(name)) return refuse(NAME_ERROR);
    if (lib.functions.has(name)) return refuse('ERR Function already exists in the library');
    lib.functions.set(name, { name, description, flags, ref, library: lib });
    return 0;
  };

  /**
   * register_function{...}: the fields in the table's own order, as redis-server reads them with
   * lua_next, so the first bad field found is the one named.
   */
  private namedArgs(L: LuaState): RegisterArgs | string {
    if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) return 'ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).';
    let name: string | null = null;
    let description: string | null = null;
    let ref: number | null = null;
    const flags = emptyFlags();
    const bad = (msg: string): string => {
      if (ref !== null) laux.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
      lua.lua_settop(L, 1);
      return msg;
    };
    lua.lua_pushnil(L);
    while (lua.lua_next(L, 1) !== 0) {
      const key = luaString(L, -2);
      if (key === null) return bad('ERR named argument key given to redis.register_function is not a string');
      switch (key.toLowerCase()) {
        case 'function_name':
          name = luaString(L, -1);
          if (name === null) return bad('ERR function_name argument given to redis.register_function must be a string');
          break;
        case 'description':
          description = luaString(L, -1);
          if (description === null) return bad('ERR description argument given to redis.register_function must be a string');
          break;
        case 'callback':
          if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) return bad('ERR callback argument given to redis.register_function must be a function');
          if (ref !== null) laux.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
          lua.lua_pushvalue(L, -1);
          ref = laux.luaL_ref(L, lua.LUA_REGISTRYINDEX);
          break;
        case 'flags':
          if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) return bad('ERR flags argument to redis.register_function must be a table representing function flags');
          for (let i = 1; lua.lua_rawgeti(L, -1, i) !== lua.LUA_TNIL; i++) {
            const f = luaString(L, -1);
            lua.lua_pop(L, 1);
            // Redis compares flag names ignoring case.
            if (f === null || !setFlag(flags, f.toLowerCase())) return bad('ERR unknown flag given');
          }
          lua.lua_pop(L, 1);
          break;
        default:
          return bad('ERR unknown argument given to redis.register_function');
      }
      lua.lua_pop(L, 1);
    }
    if (name === null) return bad('ERR redis.register_function must get a function name argument');
    if (ref === null) return bad('ERR redis.register_function must get a callback argument');
    return { name, ref, description, flags };
  }

  /** FUNCTION LOAD: compiles and runs the library code; returns the library name. */
  load(code: string, replace: boolean, bound: LoadBound = FUNCTION_LOAD_BOUND): string {
    const name = parseMetadata(code);
    const old = this.libraries.get(name);
    if (old !== undefined && !replace) fail(`ERR Library '${name}' already exists`);
    const L = this.L;
    this.pushChunk(L, code);
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, REG_ENV);
    lua.lua_setupvalue(L, -2, 1);
    const lib: Library = { name, code, functions: new Map() };
    this.loading = lib;
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, REG_ERR_HANDLER);
    lua.lua_insert(L, -2);
    // Library code runs synchronously on the shared event loop: past its bound it fails, and keeps
    // failing at every instruction so a pcall in the code cannot carry on.
    const deadline = 'ms' in bound ? performance.now() + bound.ms : Infinity;
    let budget = 'instructions' in bound ? bound.instructions : Infinity;
    const hook = (S: LuaState): void => {
      budget -= LOAD_HOOK_COUNT;
      if (budget > 0 && performance.now() < deadline) return;
      lua.lua_sethook(S, hook, lua.LUA_MASKCOUNT, 1);
      raise(S, 'ERR FUNCTION LOAD timeout');
    };
    lua.lua_sethook(L, hook, lua.LUA_MASKCOUNT, LOAD_HOOK_COUNT);
    let status: number;
    setEnvIndex(L, REG_LOAD_INDEX);
    try {
      status = lua.lua_pcall(L, 0, 0, -2);
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      setEnvIndex(L, REG_RUN_INDEX);
    }
    this.loading = null;
    if (status !== lua.LUA_OK) {
      let msg = 'unknown error';
      if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
        lua.lua_getfield(L, -1, lstr('err'));
        msg = luaToLatin1(lua.lua_tolstring(L, -1) ?? lstr(''));
        lua.lua_pop(L, 1);
      } else if (lua.lua_type(L, -1) === lua.LUA_TSTRING) msg = luaToLatin1(lua.lua_tolstring(L, -1) as Uint8Array);
      lua.lua_pop(L, 2);
      this.discard(lib);
      fail(`ERR Error registering functions: ${msg}`);
    }
    lua.lua_pop(L, 1);
    if (lib.functions.size === 0) fail('ERR No functions registered');
    for (const fname of lib.functions.keys()) {
      const existing = this.find(fname);
      if (existing !== undefined && existing.library.name !== name) {
        this.discard(lib);
        fail(`ERR Function ${fname} already exists`);
      }
    }
    if (old !== undefined) this.drop(old);
    this.link(lib);
    this.propagate();
    this.collect();
    return name;
  }

  /**
   * Pushes the library's code compiled, as a new function: a text compiled before into this VM gives a new
   * closure of the same prototype (what compiling it again makes), so FUNCTION LOAD REPLACE of the same
   * library over and over (deploys, Redis's own tests: 10000 of them) does not parse it each time.
   */
  private pushChunk(L: LuaState, code: string): void {
    if (this.protosOf !== L) {
      this.protos.clear();
      this.protosOf = L;
    }
    const known = this.protos.get(code);
    if (known !== undefined) {
      pushClosureOf(L, known);
      return;
    }
    // The shebang line stays as a comment, so line numbers in errors are the library's own.
    if (loadText51(L, latin1ToLua('--' + code.slice(2)), lstr('@user_function')) !== lua.LUA_OK) {
      const msg = luaToLatin1(lua.lua_tolstring(L, -1) ?? lstr(''));
      lua.lua_pop(L, 1);
      fail(`ERR Error compiling function: ${msg}`);
    }
    if (this.protos.size >= COMPILED_KEPT) this.protos.delete(this.protos.keys().next().value as string);
    this.protos.set(code, protoOfTop(L));
  }

  /** A library that failed after registering functions: nothing will call them. */
  private discard(lib: Library): void {
    this.dropped.add(lib);
    this.collect();
  }

  /**
   * Releases the registry references of dropped libraries no longer linked, so the VM can free their
   * closures as Redis frees a replaced library's functions (10000 FUNCTION LOAD REPLACE kept 10000
   * closures and grew the process by ~60 MB).
   */
  private collect(): void {
    if (this.restoring || this.dropped.size === 0) return;
    const L = this.L;
    for (const lib of this.dropped) {
      if (this.libraries.get(lib.name) === lib) continue;
      for (const f of lib.functions.values()) laux.luaL_unref(L, lua.LUA_REGISTRYINDEX, f.ref);
      lib.functions.clear();
    }
    this.dropped.clear();
  }

  /** Takes a primary's libraries (a replica's full sync). */
  mirror(primary: Functions): void {
    this.restore(primary.codes(), 'flush');
  }

  /** Replicas follow every change of the libraries, as FUNCTION commands replicate in Redis. */
  private propagate(): void {
    for (const r of this.scripting.engine.replication.replicas) r.scripting.functions.mirror(this);
  }

  private drop(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const f of lib.functions.keys()) this.functions.delete(f.toLowerCase());
    this.dropped.add(lib);
  }

  delete(name: string): void {
    const lib = this.libraries.get(name);
    if (lib === undefined) fail('ERR Library not found');
    this.drop(lib);
    this.propagate();
    this.collect();
  }

  flush(): void {
    for (const lib of this.libraries.values()) this.dropped.add(lib);
    this.libraries.clear();
    this.functions.clear();
    this.propagate();
    this.collect();
  }

  /** The library codes, as RDB files and FUNCTION DUMP carry them. */
  codes(): string[] {
    return [...this.libraries.values()].map((l) => l.code);
  }

  /**
   * Loads libraries from a dump or snapshot. 'append' fails on a library that exists, 'replace'
   * replaces it, 'flush' starts from none; all or nothing.
   */
  restore(codes: string[], policy: 'append' | 'replace' | 'flush'): void {
    const before = [...this.libraries.values()];
    this.restoring = true;
    try {
      if (policy === 'flush') this.flush();
      for (const code of codes) {
        const name = parseMetadata(code);
        if (policy === 'append' && this.libraries.has(name)) fail(`ERR Library ${name} already exists`);
        this.load(code, true, RESTORE_BOUND);
      }
    } catch (err) {
      this.flush();
      for (const lib of before) this.link(lib);
      this.propagate();
      throw err;
    } finally {
      this.restoring = false;
      this.collect();
    }
  }
}
