// CRC-64/Jones as Redis uses for the RDB trailer: reflected polynomial 0xad93d23594c935a9, init 0,
// no final xor. Kept as two 32-bit halves because BigInt per byte is far too slow for big dumps.

const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5; // bit-reversed 0xad93d23594c935a9 split into halves

const T_HI = new Uint32Array(256 * 8);
const T_LO = new Uint32Array(256 * 8);

(function buildTables(): void {
  for (let n = 0; n < 256; n++) {
    let hi = 0;
    let lo = n;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    T_HI[n] = hi;
    T_LO[n] = lo;
  }
  // Slicing-by-8 tables: table k advances the CRC by k extra zero bytes.
  for (let t = 1; t < 8; t++) {
    for (let n = 0; n < 256; n++) {
      const phi = T_HI[(t - 1) * 256 + n] as number;
      const plo = T_LO[(t - 1) * 256 + n] as number;
      const idx = plo & 0xff;
      T_HI[t * 256 + n] = ((phi >>> 8) ^ (T_HI[idx] as number)) >>> 0;
      T_LO[t * 256 + n] = (((plo >>> 8) | (phi << 24)) ^ (T_LO[idx] as number)) >>> 0;
    }
  }
})();

/** Incremental CRC64: feed chunks in order, read `value` at the end. */
export class Crc64 {
  private hi = 0;
  private lo = 0;

  update(buf: Uint8Array): this {
    let hi = this.hi;
    let lo = this.lo;
    let i = 0;
    const n = buf.length;
    for (; i + 8 <= n; i += 8) {
      const a = (lo ^ ((buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24))) >>> 0;
      const b = (hi ^ ((buf[i + 4] as number) | ((buf[i + 5] as number) << 8) | ((buf[i + 6] as number) << 16) | ((buf[i + 7] as number) << 24))) >>> 0;
      const i0 = 7 * 256 + (a & 0xff);
      const i1 = 6 * 256 + ((a >>> 8) & 0xff);
      const i2 = 5 * 256 + ((a >>> 16) & 0xff);
      const i3 = 4 * 256 + (a >>> 24);
      const i4 = 3 * 256 + (b & 0xff);
      const i5 = 2 * 256 + ((b >>> 8) & 0xff);
      const i6 = 1 * 256 + ((b >>> 16) & 0xff);
      const i7 = b >>> 24;
      hi = ((T_HI[i0] as number) ^ (T_HI[i1] as number) ^ (T_HI[i2] as number) ^ (T_HI[i3] as number) ^ (T_HI[i4] as number) ^ (T_HI[i5] as number) ^ (T_HI[i6] as number) ^ (T_HI[i7] as number)) >>> 0;
      lo = ((T_LO[i0] as number) ^ (T_LO[i1] as number) ^ (T_LO[i2] as number) ^ (T_LO[i3] as number) ^ (T_LO[i4] as number) ^ (T_LO[i5] as number) ^ (T_LO[i6] as number) ^ (T_LO[i7] as number)) >>> 0;
    }
    for (; i < n; i++) {
      const idx = (lo ^ (buf[i] as number)) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ (T_LO[idx] as number)) >>> 0;
      hi = ((hi >>> 8) ^ (T_HI[idx] as number)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The 8 little-endian bytes Redis appends after the EOF opcode. */
  bytes(): Buffer {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(this.lo, 0);
    b.writeUInt32LE(this.hi, 4);
    return b;
  }
}

export function crc64(buf: Uint8Array): bigint {
  return new Crc64().update(buf).value;
}
