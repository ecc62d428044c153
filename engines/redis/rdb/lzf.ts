// LZF as RDB uses it for long strings. The stream is a series of control bytes:
//   000LLLLL            literal run of L+1 bytes (1..32) follows
//   LLLooooo [l] oooooooo  back-reference: length L+2 (L=7 means "add next byte"), distance o+1 (1..8192)
// Any valid stream is accepted by readers, so our compressor only has to be correct, not byte-identical.
import { RdbError } from './errors.ts';

const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3); // 264 bytes per back-reference
const HASH_BITS = 14;

// One hash table for all calls: clearing 64 KiB per call would dominate for short strings. Entries
// are stored offset by `base`, which moves past every input, so stale slots read as "before start".
const table = new Int32Array(1 << HASH_BITS);
let base = 1;

/**
 * Compresses `input`; returns null when the result would not fit in `maxOut` bytes (Redis only keeps
 * the compressed form when it saves at least a few bytes).
 */
export function lzfCompress(input: Uint8Array, maxOut = input.length - 1): Buffer | null {
  const n = input.length;
  if (n < 4 || maxOut <= 0) return null;
  const out = Buffer.allocUnsafe(maxOut + MAX_LIT + 3);
  if (base > 0x7fffffff - n - 1) {
    table.fill(0);
    base = 1;
  }
  const b0 = base;
  base += n + 1;
  let op = 0;
  let litStart = 0; // start of the pending literal run
  let ip = 0;

  const flushLiterals = (end: number): boolean => {
    let s = litStart;
    while (s < end) {
      const run = Math.min(MAX_LIT, end - s);
      if (op + 1 + run > maxOut) return false;
      out[op++] = run - 1;
      out.set(input.subarray(s, s + run), op);
      op += run;
      s += run;
    }
    return true;
  };

  while (ip + 2 < n) {
    const h = Math.imul(((input[ip] as number) << 16) | ((input[ip + 1] as number) << 8) | (input[ip + 2] as number), 0x9e3779b1) >>> (32 - HASH_BITS);
    const stored = table[h] as number;
    const ref = stored >= b0 ? stored - b0 : -1;
    table[h] = ip + b0;
    const dist = ip - ref - 1;
    if (ref >= 0 && dist < MAX_OFF && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      let len = 3;
      const maxLen = Math.min(MAX_REF, n - ip);
      while (len < maxLen && input[ref + len] === input[ip + len]) len++;
      if (!flushLiterals(ip)) return null;
      const l = len - 2;
      if (l < 7) {
        if (op + 2 > maxOut) return null;
        out[op++] = (l << 5) | (dist >>> 8);
      } else {
        if (op + 3 > maxOut) return null;
        out[op++] = (7 << 5) | (dist >>> 8);
        out[op++] = l - 7;
      }
      out[op++] = dist & 0xff;
      ip += len;
      litStart = ip;
    } else {
      ip++;
    }
  }
  if (!flushLiterals(n)) return null;
  return op <= maxOut ? Buffer.from(out.subarray(0, op)) : null;
}

/** Decompresses into exactly `outLen` bytes; anything inconsistent is CORRUPT, never a crash. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  const n = input.length;
  while (ip < n) {
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
  return out;
}

/** Upper bound on how much a valid LZF stream of `compressedLen` bytes can expand to. */
export function lzfMaxExpansion(compressedLen: number): number {
  // The densest encoding is a 3-byte back-reference producing MAX_REF bytes.
  return Math.ceil(compressedLen / 3) * MAX_REF + MAX_LIT;
}
