// Ziplist (Redis < 7 small hashes, zsets, lists and quicklist nodes) and zipmap (Redis < 2.6 hashes).
// We read both because Redis 7 still loads old dumps; ziplists are also written for RDB version 9.
// Ziplist layout: zlbytes u32le, zltail u32le, zllen u16le, entries, 0xFF; each entry is
// <prevlen 1 or 5 bytes><encoding><data>.
import { RdbError } from './errors.ts';
import { parseCanonicalInt } from './num.ts';
import type { LpValue } from './listpack.ts';

const HEADER = 10;
const END = 0xff;

function corrupt(msg: string): RdbError {
  return new RdbError('CORRUPT', `ziplist: ${msg}`);
}

export function decodeZiplist(zl: Buffer): LpValue[] {
  if (zl.length < HEADER + 1) throw corrupt('shorter than its header');
  const total = zl.readUInt32LE(0);
  if (total !== zl.length) throw corrupt(`header says ${total} bytes, blob has ${zl.length}`);
  const declared = zl.readUInt16LE(8);
  const end = total - 1;
  if (zl[end] !== END) throw corrupt('missing terminator');
  const out: LpValue[] = [];
  let p = HEADER;
  let prevLen = 0;
  let lastStart = HEADER;
  while (p < end) {
    const start = p;
    lastStart = start;
    const first = zl[p] as number;
    let gotPrev: number;
    if (first < 0xfe) {
      gotPrev = first;
      p += 1;
    } else if (first === 0xfe) {
      if (p + 5 > end) throw corrupt('prevlen past end');
      gotPrev = zl.readUInt32LE(p + 1);
      p += 5;
    } else throw corrupt('bad prevlen');
    if (gotPrev !== prevLen) throw corrupt(`prevlen ${gotPrev} does not match previous entry length ${prevLen}`);
    if (p >= end) throw corrupt('entry past end');
    const enc = zl[p] as number;
    const top = enc >>> 6;
    if (top !== 3) {
      let n: number;
      let head: number;
      if (top === 0) {
        n = enc & 0x3f;
        head = 1;
      } else if (top === 1) {
        if (p + 2 > end) throw corrupt('string header past end');
        n = ((enc & 0x3f) << 8) | (zl[p + 1] as number);
        head = 2;
      } else {
        if (enc !== 0x80 || p + 5 > end) throw corrupt('bad string header');
        n = zl.readUInt32BE(p + 1);
        head = 5;
      }
      if (p + head + n > end) throw corrupt('string past end');
      out.push(zl.subarray(p + head, p + head + n));
      p += head + n;
    } else {
      let size: number;
      let v: bigint;
      if (enc >= 0xf1 && enc <= 0xfd) {
        size = 0;
        v = BigInt((enc & 0x0f) - 1);
      } else {
        size = enc === 0xc0 ? 2 : enc === 0xd0 ? 4 : enc === 0xe0 ? 8 : enc === 0xf0 ? 3 : enc === 0xfe ? 1 : -1;
        if (size < 0) throw corrupt(`bad encoding byte 0x${enc.toString(16)}`);
        if (p + 1 + size > end) throw corrupt('int past end');
        v = size === 8 ? zl.readBigInt64LE(p + 1) : BigInt(zl.readIntLE(p + 1, size));
      }
      out.push(v);
      p += 1 + size;
    }
    prevLen = p - start;
  }
  if (declared !== 65535 && declared !== out.length) throw corrupt(`header says ${declared} entries, found ${out.length}`);
  // ziplistValidateIntegrity: zltail inside the blob, and at the last entry when there is one.
  const tail = zl.readUInt32LE(4);
  if (tail > end || (out.length > 0 && tail !== lastStart)) throw corrupt(`tail offset ${tail} is not the last entry's`);
  return out;
}

function entryBody(v: LpValue): Buffer {
  const asInt = typeof v === 'bigint' ? v : parseCanonicalInt(v);
  if (asInt !== null) {
    if (asInt >= 0n && asInt <= 12n) return Buffer.from([0xf1 + Number(asInt)]);
    const n = Number(asInt);
    if (asInt >= -128n && asInt <= 127n) return Buffer.from([0xfe, n & 0xff]);
    let b: Buffer;
    if (asInt >= -32768n && asInt <= 32767n) {
      b = Buffer.allocUnsafe(3);
      b[0] = 0xc0;
      b.writeInt16LE(n, 1);
    } else if (asInt >= -8388608n && asInt <= 8388607n) {
      b = Buffer.allocUnsafe(4);
      b[0] = 0xf0;
      b.writeIntLE(n, 1, 3);
    } else if (asInt >= -2147483648n && asInt <= 2147483647n) {
      b = Buffer.allocUnsafe(5);
      b[0] = 0xd0;
      b.writeInt32LE(n, 1);
    } else {
      b = Buffer.allocUnsafe(9);
      b[0] = 0xe0;
      b.writeBigInt64LE(asInt, 1);
    }
    return b;
  }
  const s = v as Buffer;
  const n = s.length;
  let head: Buffer;
  if (n <= 63) head = Buffer.from([n]);
  else if (n <= 16383) head = Buffer.from([0x40 | (n >>> 8), n & 0xff]);
  else {
    head = Buffer.allocUnsafe(5);
    head[0] = 0x80;
    head.writeUInt32BE(n, 1);
  }
  return Buffer.concat([head, s]);
}

export function encodeZiplist(values: Iterable<LpValue>): Buffer {
  const parts: Buffer[] = [];
  let prevLen = 0;
  let size = HEADER + 1;
  let tail = HEADER;
  let count = 0;
  for (const v of values) {
    const body = entryBody(v);
    let prev: Buffer;
    if (prevLen < 254) prev = Buffer.from([prevLen]);
    else {
      prev = Buffer.allocUnsafe(5);
      prev[0] = 0xfe;
      prev.writeUInt32LE(prevLen, 1);
    }
    tail = size - 1;
    parts.push(prev, body);
    prevLen = prev.length + body.length;
    size += prevLen;
    count++;
  }
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32LE(size, 0);
  out.writeUInt32LE(tail, 4);
  out.writeUInt16LE(Math.min(count, 65535), 8);
  let p = HEADER;
  for (const part of parts) {
    part.copy(out, p);
    p += part.length;
  }
  out[p] = END;
  return out;
}

/** Zipmap: zmlen u8, then <len>key<len><free>value<free bytes> pairs, 0xFF. Lengths are 1 byte, or 254 + u32le. */
export function decodeZipmap(zm: Buffer): [Buffer, Buffer][] {
  const fail = (msg: string): RdbError => new RdbError('CORRUPT', `zipmap: ${msg}`);
  if (zm.length < 2) throw fail('too short');
  let p = 1;
  const readLen = (): number => {
    if (p >= zm.length) throw fail('length past end');
    const b = zm[p] as number;
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > zm.length) throw fail('length past end');
      const n = zm.readUInt32LE(p + 1);
      p += 5;
      return n;
    }
    p += 1;
    return -1;
  };
  const out: [Buffer, Buffer][] = [];
  for (;;) {
    const klen = readLen();
    if (klen < 0) break;
    if (p + klen > zm.length) throw fail('key past end');
    const key = zm.subarray(p, p + klen);
    p += klen;
    const vlen = readLen();
    if (vlen < 0) throw fail('missing value');
    if (p >= zm.length) throw fail('free byte past end');
    const free = zm[p] as number;
    p += 1;
    if (p + vlen + free > zm.length) throw fail('value past end');
    out.push([key, zm.subarray(p, p + vlen)]);
    p += vlen + free;
  }
  if (p !== zm.length) throw fail('bytes after terminator');
  return out;
}
