// Lua 5.1's `arg` (LUA_COMPAT_VARARG, on in redis-server's Lua): a function declared with `...`
// has a local `arg` after its named parameters, holding {n = count, ...} of its extra arguments,
// unless its body uses `...` itself (then `arg` is a nil local). lex51.ts gives fengari's parser
// `local arg = <builder>(...)` right after such a parameter list and marks each prototype whose
// body reads `...`; the builder, reached under a global name no script can write, answers nil for
// those and the table for the others.
import { lstr, lua, type LuaState } from './lua.ts';

/** The builder's global name: a NUL starts it, so no script names it. */
export const ARG_BUILDER = Uint8Array.of(0, 97, 114, 103);

/** Set by the lexer on the prototype of a function whose body reads `...`. */
export const USES_VARARGS = Symbol('usesVarargs51');

const ar = (): InstanceType<typeof lua.lua_Debug> => new lua.lua_Debug();

function buildArg(S: LuaState): number {
  const info = ar();
  if (lua.lua_getstack(S, 1, info) && lua.lua_getinfo(S, lstr('f'), info)) {
    const closure = lua.lua_topointer(S, -1) as { p?: Record<symbol, unknown> } | null;
    lua.lua_pop(S, 1);
    if (closure?.p?.[USES_VARARGS] === true) return 0;
  }
  const n = lua.lua_gettop(S);
  lua.lua_createtable(S, n, 1);
  for (let i = 1; i <= n; i++) {
    lua.lua_pushvalue(S, i);
    lua.lua_rawseti(S, -2, i);
  }
  lua.lua_pushnumber(S, n);
  lua.lua_setfield(S, -2, lstr('n'));
  return 1;
}

/** For a globals table's __index(t, key): pushes the builder when the key is its name. */
export function pushArgBuilder(S: LuaState, key: number): boolean {
  if (lua.lua_type(S, key) !== lua.LUA_TSTRING) return false;
  const k = lua.lua_tolstring(S, key) as Uint8Array;
  if (k.length !== ARG_BUILDER.length || k[0] !== 0 || k[1] !== 97 || k[2] !== 114 || k[3] !== 103) return false;
  lua.lua_pushjsfunction(S, buildArg);
  return true;
}
