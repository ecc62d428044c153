// LZF as RDB uses it for long strings. The stream is a series of control bytes:
//   000LLLLL            literal run of L+1 bytes (1..32) follows
//   LLLooooo [l] oooooooo  back-reference: length L+2 (L=7 means "add next byte"), distance o+1 (1..8192)
// Readers accept any valid stream, but DUMP payloads and RDB files are compared byte for byte with
// redis-server's, and whether a string is stored compressed at all depends on the exact output
// length. So the compressor makes the choices liblzf 3.6 makes as Redis builds it (HLOG 16,
// VERY_FAST): the same hash of three bytes, no match against offset 0, the same match-length loop
// (which may run one byte past its nominal limit), the same re-hashing of the last two bytes of a
// match, and the same points at which it gives up.
import { RdbError } from './errors.ts';
import type { Steps } from '../../slices.ts';

const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3); // 264 bytes per back-reference
const HLOG = 16;

// One hash table for all calls: clearing 256 KiB per call would dominate for short strings. Entries
// are stored offset by `base`, which moves past every input, so stale slots read as "no match".
const table = new Int32Array(1 << HLOG);
let base = 1;

/** liblzf's slot for the three bytes at i: ((h >> 8) - h * 5) masked to HLOG bits. */
function slot(input: Uint8Array, i: number): number {
  const h = ((input[i] as number) << 16) | ((input[i + 1] as number) << 8) | (input[i + 2] as number);
  return ((h >>> 8) - h * 5) & ((1 << HLOG) - 1);
}

/** Where a compression stands between two calls of compressUntil. */
interface Compressing {
  input: Uint8Array;
  maxOut: number;
  out: Buffer;
  table: Int32Array;
  /** `base` when this input began: table entries below it are other inputs'. */
  b0: number;
  ip: number;
  op: number;
  lit: number;
}

function startCompressing(input: Uint8Array, maxOut: number, own: boolean): Compressing {
  const n = input.length;
  let t = table;
  let b0 = 1;
  if (own) t = new Int32Array(1 << HLOG);
  else {
    if (base > 0x7fffffff - n - 1) {
      table.fill(0);
      base = 1;
    }
    b0 = base;
    base += n + 1;
  }
  // byte 0 is the control byte of the first literal run
  return { input, maxOut, out: Buffer.allocUnsafe(maxOut + 4), table: t, b0, ip: 0, op: 1, lit: 0 };
}

/**
 * Runs the compression until its input position reaches `stop` (or its end): 'more' when there is more,
 * null when the output would not fit in maxOut, else the compressed bytes. The state lives in locals
 * while it runs, as a call made once for the whole input would keep it.
 */
function compressUntil(st: Compressing, stop: number): Buffer | null | 'more' {
  const { input, maxOut, out, table: t, b0 } = st;
  const n = input.length;
  let { ip, op, lit } = st;
  while (ip < n - 2) {
    if (ip >= stop) {
      st.ip = ip;
      st.op = op;
      st.lit = lit;
      return 'more';
    }
    const h = slot(input, ip);
    const stored = t[h] as number;
    const ref = stored >= b0 ? stored - b0 : -1;
    t[h] = ip + b0;
    const off = ip - ref - 1;
    if (ref > 0 && off < MAX_OFF && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      let maxlen = n - ip - 2;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      out[op - lit - 1] = (lit - 1) & 0xff; // close the literal run, or drop its empty control byte
      if (lit === 0) op--;
      if (op + 4 >= maxOut) return null;
      let len = 2;
      let stopped = false;
      // liblzf first compares 16 bytes without looking at maxlen, then goes on one at a time.
      if (maxlen > 16) {
        for (let k = 0; k < 16 && !stopped; k++) {
          len++;
          stopped = input[ref + len] !== input[ip + len];
        }
      }
      if (!stopped) {
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      const l = len - 2;
      if (l < 7) out[op++] = (off >>> 8) + (l << 5);
      else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++;
      ip += len;
      if (ip >= n - 2) break;
      // The two positions before the next one go into the table; the rest of the match does not.
      t[slot(input, ip - 2)] = ip - 2 + b0;
      t[slot(input, ip - 1)] = ip - 1 + b0;
    } else {
      if (op >= maxOut) return null;
      lit++;
      out[op++] = input[ip++] as number;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > maxOut) return null;
  while (ip < n) {
    lit++;
    out[op++] = input[ip++] as number;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = (lit - 1) & 0xff;
  if (lit === 0) op--;
  return Buffer.from(out.subarray(0, op));
}

/**
 * Compresses `input`; returns null when the result would not fit in `maxOut` bytes (Redis passes
 * the length less 4: it only keeps the compressed form when that saves at least as much).
 */
export function lzfCompress(input: Uint8Array, maxOut = input.length - 1): Buffer | null {
  if (input.length === 0 || maxOut <= 0) return null;
  return compressUntil(startCompressing(input, maxOut, false), input.length) as Buffer | null;
}

/** Input bytes compressed or output bytes made per step of the stepped forms (a few hundred microseconds). */
export const LZF_STEP = 1 << 16;

/**
 * lzfCompress in steps of LZF_STEP input bytes (a 100 MB string took ~300 ms in one call). Other work runs
 * between the steps and may compress too, so this input gets a hash table of its own instead of the shared
 * one; the choices, and so the bytes, are the same.
 */
export function* lzfCompressSteps(input: Uint8Array, maxOut = input.length - 1): Steps<Buffer | null> {
  if (input.length === 0 || maxOut <= 0) return null;
  const st = startCompressing(input, maxOut, true);
  for (;;) {
    const r = compressUntil(st, st.ip + LZF_STEP);
    if (r !== 'more') return r;
    yield;
  }
}

/** Where a decompression stands between two calls of decompressUntil. */
interface Decompressing {
  input: Uint8Array;
  out: Buffer;
  ip: number;
  op: number;
}

/** Decodes until the output reaches `stop` or the input ends; true once the input is all read. */
function decompressUntil(st: Decompressing, stop: number): boolean {
  const { input, out } = st;
  const outLen = out.length;
  const n = input.length;
  let { ip, op } = st;
  while (ip < n) {
    if (op >= stop) {
      st.ip = ip;
      st.op = op;
      return false;
    }
    const ctrl = input[ip++] as number;
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (ip + run > n) throw new RdbError('CORRUPT', 'LZF literal run past end of input');
      if (op + run > outLen) throw new RdbError('CORRUPT', 'LZF output longer than declared');
      out.set(input.subarray(ip, ip + run), op);
      ip += run;
      op += run;
    } else {
      let len = ctrl >>> 5;
      if (len === 7) {
        if (ip >= n) throw new RdbError('CORRUPT', 'LZF back-reference past end of input');
        len += input[ip++] as number;
      }
      len += 2;
      if (ip >= n) throw new RdbError('CORRUPT', 'LZF back-reference past end of input');
      const ref = op - (((ctrl & 0x1f) << 8) | (input[ip++] as number)) - 1;
      if (ref < 0) throw new RdbError('CORRUPT', 'LZF back-reference before start of output');
      if (op + len > outLen) throw new RdbError('CORRUPT', 'LZF output longer than declared');
      // Byte by byte on purpose: overlapping references repeat the bytes just written.
      for (let k = 0; k < len; k++) out[op + k] = out[ref + k] as number;
      op += len;
    }
  }
  if (op !== outLen) throw new RdbError('CORRUPT', `LZF output is ${op} bytes, header says ${outLen}`);
  return true;
}

/** Decompresses into exactly `outLen` bytes; anything inconsistent is CORRUPT, never a crash. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  const st = { input, out: Buffer.allocUnsafe(outLen), ip: 0, op: 0 };
  decompressUntil(st, Number.POSITIVE_INFINITY);
  return st.out;
}

/** lzfDecompress in steps of LZF_STEP output bytes. */
export function* lzfDecompressSteps(input: Uint8Array, outLen: number): Steps<Buffer> {
  const st = { input, out: Buffer.allocUnsafe(outLen), ip: 0, op: 0 };
  while (!decompressUntil(st, st.op + LZF_STEP)) yield;
  return st.out;
}

/** Upper bound on how much a valid LZF stream of `compressedLen` bytes can expand to. */
export function lzfMaxExpansion(compressedLen: number): number {
  // The densest encoding is a 3-byte back-reference producing MAX_REF bytes.
  return Math.ceil(compressedLen / 3) * MAX_REF + MAX_LIT;
}
