// How redis-server 7.0 fills a quicklist node (quicklist.c's _quicklistNodeAllowInsert): an element
// joins the node while the node's listpack bytes plus the element's length plus an 8-byte estimate of
// its header stay within the cap of list-max-listpack-size (-1..-5: 4..64 KiB), or, for a positive
// size, within 8 KiB and that many elements. Snapshots and DUMP cut a list into nodes by this rule, so
// their payloads are redis-server's byte for byte for a list pushed at its tail.
export const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
export const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;

/** A list's fill as quicklistSetFill keeps it: list-max-listpack-size -6 or below is -5, past 32767 is 32767. */
export const quicklistFill = (size: number): number => Math.min(Math.max(size, -5), 32767);

/** Whether a node of `bytes` listpack bytes holding `count` elements takes one more of `len` bytes. */
export function quicklistAllowInsert(fill: number, bytes: number, count: number, len: number): boolean {
  const newSize = bytes + len + SIZE_ESTIMATE_OVERHEAD;
  const cap = fill < 0 ? OPTIMIZATION_LEVEL[-fill - 1] : undefined;
  if (cap !== undefined && newSize <= cap) return true;
  if (newSize > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}
