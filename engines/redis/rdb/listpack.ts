// Listpack: Redis 7's compact sequence of strings and integers (hashes, zsets, sets, quicklist nodes,
// stream nodes). Layout: total-bytes u32le, element-count u16le (65535 = "count it"), entries, 0xFF.
// Each entry is <encoding+data><backlen>, backlen being the size of encoding+data in a 1..5 byte
// varint readable right-to-left.
import { RdbError } from './errors.ts';
import { intToBuffer, parseCanonicalInt } from './num.ts';

export type LpValue = Buffer | bigint;

const HEADER = 6;
const EOF = 0xff;
const NUMELE_UNKNOWN = 65535;

function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

function writeBacklen(out: Buffer, pos: number, l: number): number {
  const size = backlenSize(l);
  // Most significant group first; every byte but the first carries the continuation bit.
  for (let k = 0; k < size; k++) {
    const shift = 7 * (size - 1 - k);
    const group = Math.floor(l / 2 ** shift) & 127;
    out[pos + k] = k === 0 ? group : group | 128;
  }
  return size;
}

function encodeInt(v: bigint): Buffer {
  if (v >= 0n && v <= 127n) return Buffer.from([Number(v)]);
  if (v >= -4096n && v <= 4095n) {
    const u = Number(v) & 0x1fff;
    return Buffer.from([0xc0 | (u >>> 8), u & 0xff]);
  }
  if (v >= -32768n && v <= 32767n) {
    const b = Buffer.allocUnsafe(3);
    b[0] = 0xf1;
    b.writeInt16LE(Number(v), 1);
    return b;
  }
  if (v >= -8388608n && v <= 8388607n) {
    const b = Buffer.allocUnsafe(4);
    b[0] = 0xf2;
    b.writeIntLE(Number(v), 1, 3);
    return b;
  }
  if (v >= -2147483648n && v <= 2147483647n) {
    const b = Buffer.allocUnsafe(5);
    b[0] = 0xf3;
    b.writeInt32LE(Number(v), 1);
    return b;
  }
  const b = Buffer.allocUnsafe(9);
  b[0] = 0xf4;
  b.writeBigInt64LE(v, 1);
  return b;
}

function encodeString(s: Buffer): Buffer {
  const n = s.length;
  let head: Buffer;
  if (n < 64) head = Buffer.from([0x80 | n]);
  else if (n < 4096) head = Buffer.from([0xe0 | (n >>> 8), n & 0xff]);
  else {
    head = Buffer.allocUnsafe(5);
    head[0] = 0xf0;
    head.writeUInt32LE(n, 1);
  }
  return Buffer.concat([head, s]);
}

/** One complete entry (encoding, data, backlen). Strings that spell integers are stored as integers, as Redis does. */
export function encodeListpackEntry(v: LpValue): Buffer {
  let body: Buffer;
  if (typeof v === 'bigint') body = encodeInt(v);
  else {
    const asInt = parseCanonicalInt(v);
    body = asInt === null ? encodeString(v) : encodeInt(asInt);
  }
  const out = Buffer.allocUnsafe(body.length + backlenSize(body.length));
  body.copy(out, 0);
  writeBacklen(out, body.length, body.length);
  return out;
}

/** Accumulates entries so callers can watch the size (quicklist and stream nodes are size-capped). */
export class ListpackBuilder {
  private parts: Buffer[] = [];
  private bytes = HEADER + 1;
  count = 0;

  add(v: LpValue): this {
    const e = encodeListpackEntry(v);
    this.parts.push(e);
    this.bytes += e.length;
    this.count++;
    return this;
  }

  get byteSize(): number {
    return this.bytes;
  }

  finish(): Buffer {
    if (this.bytes > 0xffffffff) throw new RdbError('INVALID_INPUT', 'listpack larger than 4 GiB');
    const out = Buffer.allocUnsafe(this.bytes);
    out.writeUInt32LE(this.bytes, 0);
    out.writeUInt16LE(Math.min(this.count, NUMELE_UNKNOWN), 4);
    let pos = HEADER;
    for (const p of this.parts) {
      p.copy(out, pos);
      pos += p.length;
    }
    out[pos] = EOF;
    return out;
  }
}

export function encodeListpack(values: Iterable<LpValue>): Buffer {
  const b = new ListpackBuilder();
  for (const v of values) b.add(v);
  return b.finish();
}

function corrupt(msg: string): RdbError {
  return new RdbError('CORRUPT', `listpack: ${msg}`);
}

/** Decodes every entry; the blob is untrusted, so every length is checked against its bounds. */
export function decodeListpack(lp: Buffer): LpValue[] {
  if (lp.length < HEADER + 1) throw corrupt('shorter than its header');
  const total = lp.readUInt32LE(0);
  if (total !== lp.length) throw corrupt(`header says ${total} bytes, blob has ${lp.length}`);
  const declared = lp.readUInt16LE(4);
  const end = total - 1;
  if (lp[end] !== EOF) throw corrupt('missing terminator');
  const out: LpValue[] = [];
  let p = HEADER;
  while (p < end) {
    const start = p;
    const b = lp[p] as number;
    let v: LpValue;
    if (b < 0x80) {
      v = BigInt(b);
      p += 1;
    } else if (b < 0xc0) {
      const n = b & 0x3f;
      if (p + 1 + n > end) throw corrupt('string past end');
      v = lp.subarray(p + 1, p + 1 + n);
      p += 1 + n;
    } else if (b < 0xe0) {
      if (p + 2 > end) throw corrupt('int past end');
      let u = ((b & 0x1f) << 8) | (lp[p + 1] as number);
      if (u >= 4096) u -= 8192;
      v = BigInt(u);
      p += 2;
    } else if (b < 0xf0) {
      if (p + 2 > end) throw corrupt('string header past end');
      const n = ((b & 0x0f) << 8) | (lp[p + 1] as number);
      if (p + 2 + n > end) throw corrupt('string past end');
      v = lp.subarray(p + 2, p + 2 + n);
      p += 2 + n;
    } else {
      const need = b === 0xf0 ? 5 : b === 0xf1 ? 3 : b === 0xf2 ? 4 : b === 0xf3 ? 5 : b === 0xf4 ? 9 : -1;
      if (need < 0) throw corrupt(`bad encoding byte 0x${b.toString(16)}`);
      if (p + need > end) throw corrupt('entry past end');
      if (b === 0xf0) {
        const n = lp.readUInt32LE(p + 1);
        if (p + 5 + n > end) throw corrupt('string past end');
        v = lp.subarray(p + 5, p + 5 + n);
        p += 5 + n;
      } else {
        v = b === 0xf1 ? BigInt(lp.readInt16LE(p + 1)) : b === 0xf2 ? BigInt(lp.readIntLE(p + 1, 3)) : b === 0xf3 ? BigInt(lp.readInt32LE(p + 1)) : lp.readBigInt64LE(p + 1);
        p += need;
      }
    }
    const len = p - start;
    const bl = backlenSize(len);
    if (p + bl > end) throw corrupt('backlen past end');
    // The backlen is redundant going forward, but checking it catches shifted or spliced bytes.
    let got = 0;
    for (let k = 0; k < bl; k++) got = got * 128 + ((lp[p + k] as number) & 127);
    if (got !== len) throw corrupt(`backlen ${got} does not match entry length ${len}`);
    p += bl;
    out.push(v);
  }
  if (declared !== NUMELE_UNKNOWN && declared !== out.length) throw corrupt(`header says ${declared} entries, found ${out.length}`);
  return out;
}

export function lpBuffer(v: LpValue): Buffer {
  return typeof v === 'bigint' ? intToBuffer(v) : v;
}

export function lpInt(v: LpValue): bigint {
  if (typeof v === 'bigint') return v;
  const n = parseCanonicalInt(v);
  if (n === null) throw corrupt('expected an integer entry');
  return n;
}
