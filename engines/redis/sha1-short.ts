// SHA-1 (FIPS 180-4) in JavaScript for short inputs. DEBUG DIGEST hashes each element of every value
// several times (a 1M-field hash: 5M digests of a few bytes), where the native crypto call's fixed cost
// (~1 us a call) was most of the 5.5 s: here a short input costs a fraction of that and makes no Buffer.

const W = new Int32Array(80);

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/** Byte `p` of `data` (a latin1 string: one byte a char). */
function byteAt(data: string | Uint8Array, p: number): number {
  return typeof data === 'string' ? data.charCodeAt(p) & 0xff : (data[p] as number);
}

/** Writes SHA-1 of `data` into out[0..20). */
export function sha1Into(data: string | Uint8Array, out: Uint8Array): void {
  const n = data.length;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  // The message, one 0x80 byte, zeros, and its length in bits as 8 big-endian bytes, in 64-byte blocks.
  const blocks = ((n + 8) >>> 6) + 1;
  for (let blk = 0; blk < blocks; blk++) {
    const base = blk * 64;
    for (let i = 0; i < 16; i++) {
      let w = 0;
      for (let k = 0; k < 4; k++) {
        const p = base + i * 4 + k;
        w = (w << 8) | (p < n ? byteAt(data, p) : p === n ? 0x80 : 0);
      }
      W[i] = w;
    }
    if (blk === blocks - 1) {
      W[14] = Math.floor(n / 0x20000000);
      W[15] = (n * 8) | 0;
    }
    for (let t = 16; t < 80; t++) W[t] = rotl((W[t - 3] as number) ^ (W[t - 8] as number) ^ (W[t - 14] as number) ^ (W[t - 16] as number), 1);
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const temp = (rotl(a, 5) + f + e + k + (W[t] as number)) | 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const hs = [h0, h1, h2, h3, h4];
  for (let i = 0; i < 5; i++) {
    const h = hs[i] as number;
    out[i * 4] = h >>> 24;
    out[i * 4 + 1] = (h >>> 16) & 0xff;
    out[i * 4 + 2] = (h >>> 8) & 0xff;
    out[i * 4 + 3] = h & 0xff;
  }
}
