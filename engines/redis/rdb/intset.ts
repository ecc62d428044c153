// Intset: the sorted integer array Redis uses for small all-integer sets.
// Layout: encoding u32le (2, 4 or 8 = bytes per element), count u32le, elements little-endian ascending.
import { RdbError } from './errors.ts';

export function encodeIntset(values: readonly bigint[]): Buffer {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of sorted) {
    if (v < -2147483648n || v > 2147483647n) {
      width = 8;
      break;
    }
    if (v < -32768n || v > 32767n) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + width * sorted.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(sorted.length, 4);
  let p = 8;
  for (const v of sorted) {
    if (width === 2) out.writeInt16LE(Number(v), p);
    else if (width === 4) out.writeInt32LE(Number(v), p);
    else out.writeBigInt64LE(v, p);
    p += width;
  }
  return out;
}

export function decodeIntset(b: Buffer): bigint[] {
  if (b.length < 8) throw new RdbError('CORRUPT', 'intset: shorter than its header');
  const width = b.readUInt32LE(0);
  const count = b.readUInt32LE(4);
  if (width !== 2 && width !== 4 && width !== 8) throw new RdbError('CORRUPT', `intset: bad encoding ${width}`);
  if (8 + width * count !== b.length) throw new RdbError('CORRUPT', 'intset: length does not match its count');
  const out: bigint[] = new Array<bigint>(count);
  for (let i = 0, p = 8; i < count; i++, p += width) {
    out[i] = width === 2 ? BigInt(b.readInt16LE(p)) : width === 4 ? BigInt(b.readInt32LE(p)) : b.readBigInt64LE(p);
  }
  return out;
}
