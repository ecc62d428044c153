// The work of BITOP, BITCOUNT and BITPOS over a string value, in steps (engines/slices.ts): a 64 MB string
// held every node for seconds when BITOP called a closure per byte. Values are latin1 JS strings, so
// BITOP copies each into a word-aligned buffer a piece at a time and combines them 32 bits at a time.

/** Bytes one step handles: tens of microseconds, so a slice (which reads its clock every 64 steps) stays short. */
const PIECE = 16 * 1024;

export type BitOp = 'and' | 'or' | 'xor' | 'not';

/** `s` from byte `from` written into `into` at `at`, at most `n` bytes; the rest of those n bytes zeroed. */
function copyPiece(s: string, from: number, into: Buffer, at: number, n: number): void {
  const have = Math.max(0, Math.min(n, s.length - from));
  if (have > 0) into.latin1Write(have === s.length ? s : s.slice(from, from + have), at, have);
  if (have < n) into.fill(0, at + have, at + n);
}

/** BITOP of `srcs` (null: a missing key, all zeros) into `out.v`, a string of the longest source's length. */
export function* bitopSteps(op: BitOp, srcs: (string | null)[], len: number, out: { v: string }): Generator<void> {
  const words = new Uint32Array((len + 3) >>> 2);
  const bytes = Buffer.from(words.buffer, 0, len);
  const tmpWords = new Uint32Array(PIECE >>> 2);
  const tmp = Buffer.from(tmpWords.buffer);
  for (let off = 0; off < len; off += PIECE) {
    const n = Math.min(PIECE, len - off);
    const w0 = off >>> 2;
    const wn = (n + 3) >>> 2;
    copyPiece(srcs[0] ?? '', off, bytes, off, n);
    if (op === 'not') for (let i = w0; i < w0 + wn; i++) words[i] = ~(words[i] as number);
    for (let j = 1; j < srcs.length; j++) {
      copyPiece(srcs[j] ?? '', off, tmp, 0, n);
      if (op === 'and') for (let i = 0; i < wn; i++) words[w0 + i] = (words[w0 + i] as number) & (tmpWords[i] as number);
      else if (op === 'or') for (let i = 0; i < wn; i++) words[w0 + i] = (words[w0 + i] as number) | (tmpWords[i] as number);
      else for (let i = 0; i < wn; i++) words[w0 + i] = (words[w0 + i] as number) ^ (tmpWords[i] as number);
    }
    yield;
  }
  out.v = bytes.latin1Slice(0, len);
}

const POPCOUNT = new Uint8Array(256);
for (let i = 0; i < 256; i++) POPCOUNT[i] = (i & 1) + (POPCOUNT[i >> 1] as number);

/** Bits past 2^31 (a string past 256 MB) are numbers no 32-bit shift can divide: / 8, floored. */
export const byteOf = (bit: number): number => Math.floor(bit / 8);

export function bitAt(s: string, bit: number): number {
  return (s.charCodeAt(byteOf(bit)) >> (7 - (bit & 7))) & 1;
}

/** Set bits of `s` in bits [from, to] (inclusive) into `out.n`. */
export function* bitcountSteps(s: string, from: number, to: number, out: { n: number }): Generator<void> {
  let n = 0;
  let b = from;
  for (; b <= to && (b & 7) !== 0; b++) n += bitAt(s, b);
  const lastByte = byteOf(to + 1) - 1;
  for (let i = byteOf(b); i <= lastByte; ) {
    const end = Math.min(lastByte, i + PIECE - 1);
    for (; i <= end; i++) n += POPCOUNT[s.charCodeAt(i)] as number;
    yield;
  }
  for (b = Math.max(b, (lastByte + 1) * 8); b <= to; b++) n += bitAt(s, b);
  out.n = n;
}

/** The first bit equal to `want` in bits [from, to] (inclusive) of `s` into `out.at`, -1 if none. */
export function* bitposSteps(s: string, want: number, from: number, to: number, out: { at: number }): Generator<void> {
  out.at = -1;
  let b = from;
  for (; b <= to && (b & 7) !== 0; b++) if (bitAt(s, b) === want) return void (out.at = b);
  // Whole bytes: a byte of all the other bit is skipped without looking at its bits.
  const skip = want === 1 ? 0 : 0xff;
  const lastByte = byteOf(to + 1) - 1;
  for (let i = byteOf(b); i <= lastByte; ) {
    const end = Math.min(lastByte, i + PIECE - 1);
    for (; i <= end; i++) {
      if (s.charCodeAt(i) === skip) continue;
      for (let k = i * 8; ; k++) if (bitAt(s, k) === want) return void (out.at = k);
    }
    yield;
  }
  for (b = Math.max(b, (lastByte + 1) * 8); b <= to; b++) if (bitAt(s, b) === want) return void (out.at = b);
}
