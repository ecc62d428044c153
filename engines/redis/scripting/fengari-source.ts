// Lua 5.1 behaviour that fengari's modules keep in module-local code, given to them as their
// source is compiled (once, when loadFengari first requires them): a patch that changed a
// process-wide global, or a fork of the package, would reach further than these few lines.
// - lvm.js, lobject.js: `^` computes with glibc's pow (math51.ts) through a module-local Math.
// - lcode.js: constant folding makes 0 and -0 as 5.1's does (see PATCHES).
// - lparser.js: 5.1 allows 60 upvalues and reaches globals without one; 5.3's _ENV upvalue is not
//   counted, so 60 upvalues and a global compile and 61 without one fail, as on redis-server.
import Module from 'node:module';
import { luastringCopy, nameString, stringKey } from './fengari-strings.ts';
import { driveInSteps } from './lib-slices.ts';
import { MATCHER_FILE, matcherInSteps } from './pattern-steps.ts';
import { MATH51 } from './math51.ts';
import { STACK_SLOT_PATCHES } from './fengari-stack-slots.ts';

interface CompilingModule {
  _compile(content: string, filename: string): unknown;
  math51?: Math;
  luastringCopy?: typeof luastringCopy;
  stringKey?: typeof stringKey;
  nameString?: typeof nameString;
  driveInSteps?: typeof driveInSteps;
}

const UPVALUE_CHECK = 'checklimit(fs, fs.nups + 1, lfunc.MAXUPVAL, to_luastring("upvalues", true));';
const UPVALUE_CHECK_51 = 'checklimit(fs, fs.nups + 1 - (eqstr(name, fs.ls.envn) || fs.f.upvalues.slice(0, fs.nups).some((u) => eqstr(u.name, fs.ls.envn)) ? 1 : 0), 60, to_luastring("upvalues", true));';

const FIELD_NAME = 'let str = luaS_new(L, from_userstring(k));';
const FIELD_NAME_INTERNED = 'let str = module.nameString(L, k, luaS_new, from_userstring);';

/** Each patch edits one line in place, so positions in fengari's stack traces stay. */
const PATCHES: { file: RegExp; from: string; to: string }[] = [
  { file: /[\\/]fengari[\\/]src[\\/](lvm|lobject)\.js$/, from: '"use strict";', to: '"use strict"; const Math = module.math51;' },
  { file: /[\\/]fengari[\\/]src[\\/]lparser\.js$/, from: UPVALUE_CHECK, to: UPVALUE_CHECK_51 },
  // 5.1 folds a constant expression that makes 0 (-0 included), so -0 shares the constant slot of a 0
  // met before it in the function (and 0 that of a -0): `local a = 0 error(-0)` says 0 (seed 47887).
  { file: /[\\/]fengari[\\/]src[\\/]lcode\.js$/, from: 'if (isNaN(n) || n === 0)', to: 'if (isNaN(n))' },
  // 5.1 finds a function's constants in a table of its own (fs->h); 5.3's one table for the chunk let a
  // 0 of an enclosing function keep an inner -0 and 0 apart: `local a = 0 local f = function() return
  // {-0, 1/0} end` is -inf in the inner function on redis-server (seed 208490).
  { file: /[\\/]fengari[\\/]src[\\/]lcode\.js$/, from: 'let idx = ltable.luaH_get(fs.L, fs.ls.h, key);', to: 'let idx = ltable.luaH_get(fs.L, (fs.kh ??= ltable.luaH_new(fs.ls.L)), key);' },
  { file: /[\\/]fengari[\\/]src[\\/]lcode\.js$/, from: 'ltable.luaH_setfrom(fs.L, fs.ls.h, key,', to: 'ltable.luaH_setfrom(fs.L, fs.kh, key,' },
  // fengari-strings.ts says why.
  { file: /[\\/]fengari[\\/]src[\\/]lstring\.js$/, from: 'return luaS_bless(L, luastring_from(str));', to: 'return luaS_bless(L, module.luastringCopy(str));' },
  { file: /[\\/]fengari[\\/]src[\\/]lstring\.js$/, from: 'const luaS_hash = function(str) {', to: 'const luaS_hash = function(str) { return module.stringKey(str);' },
  // The engine's own string for a Lua string, once known (stringArgument in lua.ts): a field every string has
  // from the start, so fengari's code keeps seeing one shape of string object.
  { file: /[\\/]fengari[\\/]src[\\/]lstring\.js$/, from: 'this.realstring = str;', to: 'this.realstring = str; this.js = null;' },
  // lua_setfield / lua_getfield (auxsetstr, auxgetstr) by one of our interned names (fengari-strings.ts).
  { file: /[\\/]fengari[\\/]src[\\/]lapi\.js$/, from: FIELD_NAME, to: FIELD_NAME_INTERNED },
  { file: /[\\/]fengari[\\/]src[\\/]lapi\.js$/, from: FIELD_NAME, to: FIELD_NAME_INTERNED },
  // A call's CallInfo is kept for the next call at the same depth, as C Lua's luaE_extendCI does (next_ci), instead of
  // a new object per call dropped at return: fengari sets every field a call reads (C Lua leaves them stale too).
  { file: /[\\/]fengari[\\/]src[\\/]lstate\.js$/, from: 'const luaE_extendCI = function(L) {', to: 'const luaE_extendCI = function(L) { if (L.ci.next !== null) return (L.ci = L.ci.next);' },
  { file: /[\\/]fengari[\\/]src[\\/]ldo\.js$/, from: 'L.ci.next = null;', to: '/* L.ci.next kept for the next call */' },
  { file: /[\\/]fengari[\\/]src[\\/]lvm\.js$/, from: 'oci.next = null;', to: '/* oci.next kept for the next call */' },
  // An address prints as redis-server's heap addresses do on x86-64 (12 hex digits), so a script that
  // packs or measures `tostring({})` gets a string of the same length (seed 70345).
  { file: /[\\/]fengari[\\/]src[\\/]lobject\.js$/, from: 'pushstr(L, to_luastring("0x"+v.id.toString(16)));', to: 'pushstr(L, to_luastring("0x"+(0x7f0000000000+v.id*16).toString(16)));' },
  { file: /[\\/]fengari[\\/]src[\\/]lobject\.js$/, from: 'pushstr(L, to_luastring("0x"+id.toString(16)));', to: 'pushstr(L, to_luastring("0x"+(0x7f0000000000+id*16).toString(16)));' },
  ...STACK_SLOT_PATCHES,
];

/**
 * fengari pops its stack with `delete L.stack[i]`, a call into V8's runtime each time (and an array
 * with holes after it); a store of undefined reads the same everywhere (fengari never asks whether a
 * slot exists, and sizes the stack by setting its length) and is a plain store. Every call and
 * return of a script pops: this is most of what fengari's moveresults and adjust_top cost.
 */
const STACK_DELETE = /delete (\w+)\.stack\[([^\]\n]+)\];/g;
const STACK_DELETE_FILES = /[\\/]fengari[\\/]src[\\/](lapi|ldo|lvm|ltm|ldebug|lparser)\.js$/;

/**
 * Runs `load` (which must be the first to require fengari's modules) with the patches applied to
 * what it compiles. Node's compile hook is put back as soon as `load` returns; a patch whose line
 * is not found (another fengari version) fails the load rather than leave 5.3's behaviour.
 */
export function withSourcePatches<T>(load: () => T): T {
  const proto = (Module as unknown as { prototype: CompilingModule }).prototype;
  const compile = proto._compile;
  proto._compile = function (this: CompilingModule, content: string, filename: string) {
    let patched = STACK_DELETE_FILES.test(filename) ? content.replace(STACK_DELETE, '$1.stack[$2] = void 0;') : content;
    if (MATCHER_FILE.test(filename)) {
      patched = matcherInSteps(patched);
      this.driveInSteps = driveInSteps;
    }
    for (const p of PATCHES) {
      if (!p.file.test(filename)) continue;
      if (!patched.includes(p.from)) throw new Error(`${filename}: no line '${p.from}' to patch`);
      patched = patched.replace(p.from, p.to);
      this.math51 = MATH51;
      this.luastringCopy = luastringCopy;
      this.stringKey = stringKey;
      this.nameString = nameString;
    }
    return compile.call(this, patched, filename);
  };
  try {
    return load();
  } finally {
    proto._compile = compile;
  }
}
