// fengari keeps one TValue object per Lua stack slot and dropped it whenever the top went down: every call
// a script makes threw away the caller's registers above the call's arguments and the callee's frame, and
// made them again as new objects when the top came back up (adjust_top, luaD_precall, moveresults; a
// quarter of the bytes a BullMQ job allocates). Here a slot keeps its object: it is set to nil when the
// top goes below it and reused, set to nil again, when the top comes back.
//
// Why that is safe: a stack slot's object is referenced from elsewhere only
// - as an open upvalue (luaF_findupval hands the slot's object to a closure): a captured slot is an active
//   local of a running frame, below the top; when its frame or block ends, luaF_close puts a new object in
//   the slot and the closure keeps the old one, before the top goes below it (OP_RETURN, OP_JMP, pcall's
//   recovery). A coroutine that dies with an error keeps its open upvalues in a stack that never grows again.
// - by ldo's error hand-over to the main thread, which took the object itself: it copies it now.
// Everything else reads a slot's value or copies it (setobj, pushobj2s, the tables' stores).
const LDO = /[\\/]fengari[\\/]src[\\/]ldo\.js$/;
const LOBJECT = /[\\/]fengari[\\/]src[\\/]lobject\.js$/;
const LAPI = /[\\/]fengari[\\/]src[\\/]lapi\.js$/;
const LFUNC = /[\\/]fengari[\\/]src[\\/]lfunc\.js$/;
const LSTATE = /[\\/]fengari[\\/]src[\\/]lstate\.js$/;

/**
 * luaF_close gave every slot from the level up to the top a new object (a block's or a function's end), so that
 * closures kept the old ones: each thread now lists the levels a closure captured (luaF_findupval, as C Lua's
 * L->openupval), and only those get a new object. A level captured again before it is closed is listed once.
 */
const CLOSE_OPEN = 'const luaF_close = function(L, level) { const open = L.openupval; if (open.length === 0) return; let kept = 0; for (let k = 0; k < open.length; k++) { const lv = open[k]; if (lv < level) { open[kept++] = lv; continue; } const old = L.stack[lv]; if (old !== void 0) L.stack[lv] = new lobject.TValue(old.type, old.value); } open.length = kept; return;';

/** A nil in slot `i`: the object there set to nil, or a new one where there is none. */
const nilAt = (i: string): string => `{ const o = L.stack[${i}]; if (o === void 0) L.stack[${i}] = new lobject.TValue(LUA_TNIL, null); else o.setnilvalue(); }`;
/** A slot above the top no longer holds its value (for the collector), but keeps its object. */
const clearAt = (i: string): string => `{ const o = L.stack[${i}]; if (o !== void 0) o.setnilvalue(); }`;

/** A push of (type, value) at the top into the object already there, if any. */
const pushAt = (type: string, value: string): string => `{ const o = L.stack[L.top]; if (o === void 0) L.stack[L.top] = new TValue(${type}, ${value}); else { o.type = ${type}; o.value = ${value}; } }`;

/** Applied after fengari-source.ts has turned `delete L.stack[i]` into a store of undefined. */
export const STACK_SLOT_PATCHES: { file: RegExp; from: string; to: string }[] = [
  // adjust_top, growing and shrinking.
  { file: LDO, from: 'while (L.top < newtop)\n            L.stack[L.top++] = new lobject.TValue(LUA_TNIL, null);', to: `while (L.top < newtop)\n            { ${nilAt('L.top')} L.top++; }` },
  { file: LDO, from: 'while (L.top > newtop)\n            L.stack[--L.top] = void 0;', to: 'while (L.top > newtop)\n            L.stack[--L.top].setnilvalue();' },
  // luaD_precall of a Lua function given fewer arguments than it has parameters.
  { file: LDO, from: 'L.stack[L.top++] = new lobject.TValue(LUA_TNIL, null); // complete missing arguments', to: `{ ${nilAt('L.top')} L.top++; } // complete missing arguments` },
  // moveresults: the callee's slots above the results.
  { file: LDO, from: 'for (let i=L.top; i>=(res + nres); i--)\n                L.stack[i] = void 0;', to: `for (let i=L.top; i>=(res + nres); i--)\n                ${clearAt('i')}` },
  { file: LDO, from: 'for (let i=L.top; i>=newtop; i--)\n        L.stack[i] = void 0;', to: `for (let i=L.top; i>=newtop; i--)\n        ${clearAt('i')}` },
  // Pushes: lobject's (moving values within the stack, strings) and lapi's of numbers, booleans and nil.
  { file: LOBJECT, from: 'L.stack[L.top++] = new TValue(tv.type, tv.value);', to: `${pushAt('tv.type', 'tv.value')} L.top++;` },
  { file: LOBJECT, from: 'L.stack[L.top++] = new TValue(LUA_TLNGSTR, ts);', to: `${pushAt('LUA_TLNGSTR', 'ts')} L.top++;` },
  { file: LAPI, from: 'L.stack[L.top] = new TValue(LUA_TNIL, null);\n    api_incr_top(L);', to: `${pushAt('LUA_TNIL', 'null')}\n    api_incr_top(L);` },
  { file: LAPI, from: 'L.stack[L.top] = new TValue(LUA_TNUMFLT, n);', to: pushAt('LUA_TNUMFLT', 'n') },
  { file: LAPI, from: 'L.stack[L.top] = new TValue(LUA_TNUMINT, n);\n    api_incr_top(L);\n};', to: `${pushAt('LUA_TNUMINT', 'n')}\n    api_incr_top(L);\n};` },
  { file: LAPI, from: 'L.stack[L.top] = new TValue(LUA_TBOOLEAN, !!b);', to: pushAt('LUA_TBOOLEAN', '!!b') },
  // Open upvalues (CLOSE_OPEN).
  { file: LSTATE, from: 'this.errfunc = 0;', to: 'this.errfunc = 0; this.openupval = [];' },
  { file: LFUNC, from: 'const luaF_findupval = function(L, level) {', to: 'const luaF_findupval = function(L, level) { if (L.openupval.indexOf(level) < 0) L.openupval.push(level);' },
  { file: LFUNC, from: 'const luaF_close = function(L, level) {', to: CLOSE_OPEN },
  // A coroutine's error rethrown in the main thread: a copy, as the dead coroutine's slot may be reused.
  { file: LDO, from: 'g.mainthread.stack[g.mainthread.top++] = L.stack[L.top - 1];', to: 'g.mainthread.stack[g.mainthread.top++] = new lobject.TValue(L.stack[L.top - 1].type, L.stack[L.top - 1].value);' },
];
