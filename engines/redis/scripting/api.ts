// The `redis` table scripts see: call/pcall run commands through the host, the reply helpers,
// sha1hex, log, setresp, set_repl, and the constants. Messages are Redis 7.0's.
import { createHash } from 'node:crypto';
import { laux, latin1ToLua, lstr, lua, luaToLatin1, type LuaFn, type LuaState } from './lua.ts';
import { pushErrorTable } from './reply-to-lua.ts';
import { runInSteps } from './lib-slices.ts';

const SHA1_STEP_BYTES = 8 * 1024 * 1024;

export interface ApiHost {
  /** redis.call (raise=true) / redis.pcall: pushes the reply or raises; returns the result count. */
  call(L: LuaState, raise: boolean): number;
  setResp(L: LuaState, v: 2 | 3): void;
  log(level: number, msg: string): void;
  aclCheck(args: string[]): boolean | null;
  /** redis.set_repl: where the script's next commands are propagated. */
  setRepl?(flags: number): void;
  readonly version: string;
}

export const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;

/** Raises {err=msg} the way Redis's API functions fail (the handler adds where it happened). */
export function raise(L: LuaState, msg: string): never {
  pushErrorTable(L, latin1ToLua(msg));
  return lua.lua_error(L);
}

/** redis.error_reply's rules: the first word is the code ("ERR" when there is only one word). */
export function errorReplyText(given: string): string {
  // Read as a C string: redis.error_reply('\0x') is 'ERR '.
  const str = given.split('\0', 1)[0] as string;
  const text = str.startsWith('-') ? str : '-' + str;
  let code = 'ERR';
  let msg = text;
  {
    const sp = text.indexOf(' ');
    if (sp < 0) msg = text.slice(1);
    else {
      code = text.slice(1, sp);
      msg = text.slice(sp + 1);
    }
  }
  return `${code} ${msg.replace(/^[\r\n]+|[\r\n]+$/g, '')}`;
}

/**
 * Fills the table on top with the API. `loadOnly`: what a library's code sees while it loads.
 * `evalOnly`: the three functions eval.c adds to the EVAL VM's table alone (breakpoint, debug,
 * replicate_commands), which redis-server 7.0's functions VM lacks.
 */
export function installApi(L: LuaState, host: ApiHost, loadOnly = false, evalOnly = !loadOnly): void {
  const t = lua.lua_gettop(L);
  const fn = (name: string, f: LuaFn) => {
    lua.lua_pushjsfunction(L, f);
    lua.lua_setfield(L, t, lstr(name));
  };
  const num = (name: string, v: number) => {
    lua.lua_pushnumber(L, v);
    lua.lua_setfield(L, t, lstr(name));
  };
  // Redis 7.0's order of registration (script_lua.c, then eval.c), which `pairs(redis)` shows.
  if (!loadOnly) {
    fn('call', (S) => host.call(S, true));
    fn('pcall', (S) => host.call(S, false));
  }
  fn('log', (S) => {
    const n = lua.lua_gettop(S);
    if (n < 2) raise(S, 'ERR redis.log() requires two arguments or more.');
    if (lua.lua_type(S, 1) !== lua.LUA_TNUMBER) raise(S, 'ERR First argument must be a number (log level).');
    const level = lua.lua_tonumber(S, 1);
    if (!(level >= 0 && level <= 3)) raise(S, 'ERR Invalid debug level.');
    const parts: string[] = [];
    for (let i = 2; i <= n; i++) {
      const s = lua.lua_tolstring(S, i);
      if (s !== null) parts.push(luaToLatin1(s));
    }
    host.log(Math.trunc(level), parts.join(' '));
    return 0;
  });
  num('LOG_DEBUG', 0);
  num('LOG_VERBOSE', 1);
  num('LOG_NOTICE', 2);
  num('LOG_WARNING', 3);
  const [maj, min, patch] = host.version.split('.').map((x) => Number(x) || 0) as [number, number, number];
  num('REDIS_VERSION_NUM', (maj << 16) | (min << 8) | patch);
  lua.lua_pushstring(L, latin1ToLua(host.version));
  lua.lua_setfield(L, t, lstr('REDIS_VERSION'));
  if (!loadOnly) {
    fn('setresp', (S) => {
      if (lua.lua_gettop(S) !== 1) raise(S, 'ERR redis.setresp() requires one argument.');
      const v = lua.lua_tonumber(S, -1);
      if (v !== 2 && v !== 3) raise(S, 'ERR RESP version must be 2 or 3.');
      host.setResp(S, v);
      return 0;
    });
  }
  fn('sha1hex', (S) => {
    if (lua.lua_gettop(S) !== 1) raise(S, 'ERR wrong number of arguments');
    const s = lua.lua_tolstring(S, 1) ?? new Uint8Array(0);
    const hash = createHash('sha1');
    let at = 0;
    // A string of many MB is hashed in steps (lib-slices.ts).
    const step = (): boolean => {
      const end = Math.min(s.length, at + SHA1_STEP_BYTES);
      hash.update(s.subarray(at, end));
      at = end;
      return at >= s.length;
    };
    return runInSteps(S, step, () => (lua.lua_pushstring(S, latin1ToLua(hash.digest('hex'))), 1));
  });
  fn('error_reply', (S) => {
    if (lua.lua_gettop(S) !== 1 || lua.lua_type(S, -1) !== lua.LUA_TSTRING) {
      pushErrorTable(S, lstr('ERR wrong number or type of arguments'));
      return 1;
    }
    pushErrorTable(S, latin1ToLua(errorReplyText(luaToLatin1(lua.lua_tolstring(S, -1) as Uint8Array))));
    return 1;
  });
  fn('status_reply', (S) => {
    if (lua.lua_gettop(S) !== 1 || lua.lua_type(S, -1) !== lua.LUA_TSTRING) {
      pushErrorTable(S, lstr('ERR wrong number or type of arguments'));
      return 1;
    }
    lua.lua_createtable(S, 0, 1);
    lua.lua_pushvalue(S, 1);
    lua.lua_setfield(S, -2, lstr('ok'));
    return 1;
  });
  if (!loadOnly) {
    fn('set_repl', (S) => {
      if (lua.lua_gettop(S) !== 1) raise(S, 'ERR redis.set_repl() requires one argument.');
      const v = lua.lua_tonumber(S, -1);
      if (!Number.isInteger(v) || v < 0 || v > 3) raise(S, 'ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      host.setRepl?.(v);
      return 0;
    });
    num('REPL_NONE', 0);
    num('REPL_AOF', 1);
    num('REPL_SLAVE', 2);
    num('REPL_REPLICA', 2);
    num('REPL_ALL', 3);
    fn('acl_check_cmd', (S) => {
      const n = lua.lua_gettop(S);
      if (n === 0) raise(S, 'ERR Please specify at least one argument for this redis lib call');
      const args: string[] = [];
      for (let i = 1; i <= n; i++) {
        const ty = lua.lua_type(S, i);
        if (ty !== lua.LUA_TSTRING && ty !== lua.LUA_TNUMBER) raise(S, 'ERR Lua redis lib command arguments must be strings or integers');
        args.push(luaToLatin1(lua.lua_tolstring(S, i) as Uint8Array));
      }
      const ok = host.aclCheck(args);
      if (ok === null) raise(S, 'ERR Invalid command passed to redis.acl_check_cmd()');
      lua.lua_pushboolean(S, ok);
      return 1;
    });
  }
  if (evalOnly) {
    fn('breakpoint', (S) => {
      lua.lua_pushboolean(S, false);
      return 1;
    });
    fn('debug', () => 0);
    fn('replicate_commands', (S) => {
      lua.lua_pushboolean(S, true);
      return 1;
    });
  }
  void laux;
}
