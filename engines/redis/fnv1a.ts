/** 32-bit FNV-1a over a latin1 string's bytes: HSCAN & co's cursor order and DEBUG HTSTATS's buckets. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
