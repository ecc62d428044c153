// Lua patterns (lstrlib.js) backtrack without bound: `string.find(string.rep('a', 20000), 'a*b')` is
// 200 million steps in one library call, which neither the count hook nor SCRIPT KILL reaches. As fengari's
// string library compiles, the matcher's recursive functions become generators that stop every MATCH_STEP
// calls, and find, match, gmatch's iterator and gsub run them in steps (lib-slices.ts driveInSteps): the
// script yields between steps as for any long library call. Same functions, same order of work, same
// results and errors.

const MATCH_STEP = 1024;
export const MATCHER_FILE = /[\\/]fengari[\\/]src[\\/]lstrlib\.js$/;
const MATCHER_FNS = 'max_expand|min_expand|start_capture|end_capture|match|str_find_aux';

export function matcherInSteps(src: string): string {
  const edits: [RegExp | string, string][] = [
    [new RegExp(`^const (${MATCHER_FNS}) = function\\(`, 'gm'), 'const $1 = function*('],
    [new RegExp(`(?<![\\w.])(${MATCHER_FNS})\\((ms|gm\\.ms|L)\\b`, 'g'), 'yield* $1($2'],
    ['const match = function*(ms, s, p) {', `let matchSteps = 0; const match = function*(ms, s, p) { if ((++matchSteps & ${MATCH_STEP - 1}) === 0) yield;`],
    ['return yield* str_find_aux(L, 1);', 'return module.driveInSteps(L, str_find_aux(L, 1));'],
    ['return yield* str_find_aux(L, 0);', 'return module.driveInSteps(L, str_find_aux(L, 0));'],
    ['const gmatch_aux = function(L) {', 'const gmatch_aux = function(L) { return module.driveInSteps(L, gmatch_steps(L)); }; const gmatch_steps = function*(L) {'],
    ['const str_gsub = function(L) {', 'const str_gsub = function(L) { return module.driveInSteps(L, gsub_steps(L)); }; const gsub_steps = function*(L) {'],
  ];
  let out = src;
  for (const [from, to] of edits) {
    const next = out.replace(from, to);
    if (next === out) throw new Error(`lstrlib.js: no '${String(from)}' to patch`);
    out = next;
  }
  return out;
}
