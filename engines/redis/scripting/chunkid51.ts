// Lua 5.1's luaO_chunkid: how a chunk's name appears before ":line:" in messages. The name is a C
// string there (loadstring('x', 'a\0b') is named "a"), 5.1 stops a string source at \r as well as \n,
// and its size arithmetic differs from 5.3's: a runtime error has 60 bytes (LUA_IDSIZE), a syntax
// error 80 (llex.c's MAXSRC).
export const MAXSRC = 80;

const PRE = [...'[string "'].map((c) => c.charCodeAt(0));
const POST = [...'"]'].map((c) => c.charCodeAt(0));
const DOTS = [46, 46, 46];

export function chunkid51(source: Uint8Array, bufflen: number): Uint8Array {
  const nul = source.indexOf(0);
  const s = nul < 0 ? source : source.subarray(0, nul);
  if (s[0] === 61 /* = */) return s.slice(1, bufflen);
  if (s[0] === 64 /* @ */) {
    const room = bufflen - " '...' ".length - 1;
    const name = s.subarray(1);
    return name.length > room ? Uint8Array.from([...DOTS, ...name.subarray(name.length - room)]) : name.slice();
  }
  const room = bufflen - ' [string "..."] '.length - 1;
  let len = s.findIndex((c) => c === 10 || c === 13);
  if (len < 0) len = s.length;
  if (len > room) len = room;
  const cut = len < s.length;
  return Uint8Array.from([...PRE, ...s.subarray(0, len), ...(cut ? DOTS : []), ...POST]);
}
