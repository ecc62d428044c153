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

/** Writes an entry's encoding+data at `pos` (the buffer has room); returns its length. */
function writeBody(out: Buffer, pos: number, v: LpValue): number {
  const asInt = typeof v === 'bigint' ? v : parseCanonicalInt(v);
  if (asInt !== null) {
    if (asInt >= 0n && asInt <= 127n) {
      out[pos] = Number(asInt);
      return 1;
    }
    const n = Number(asInt);
    if (asInt >= -4096n && asInt <= 4095n) {
      const u = n & 0x1fff;
      out[pos] = 0xc0 | (u >>> 8);
      out[pos + 1] = u & 0xff;
      return 2;
    }
    if (asInt >= -32768n && asInt <= 32767n) {
      out[pos] = 0xf1;
      out.writeInt16LE(n, pos + 1);
      return 3;
    }
    if (asInt >= -8388608n && asInt <= 8388607n) {
      out[pos] = 0xf2;
      out.writeIntLE(n, pos + 1, 3);
      return 4;
    }
    if (asInt >= -2147483648n && asInt <= 2147483647n) {
      out[pos] = 0xf3;
      out.writeInt32LE(n, pos + 1);
      return 5;
    }
    out[pos] = 0xf4;
    out.writeBigInt64LE(asInt, pos + 1);
    return 9;
  }
  const str = v as Buffer;
  const n = str.length;
  let head: number;
  if (n < 64) {
    out[pos] = 0x80 | n;
    head = 1;
  } else if (n < 4096) {
    out[pos] = 0xe0 | (n >>> 8);
    out[pos + 1] = n & 0xff;
    head = 2;
  } else {
    out[pos] = 0xf0;
    out.writeUInt32LE(n, pos + 1);
    head = 5;
  }
  str.copy(out, pos + head);
  return head + n;
}

/** Worst-case bytes an entry can take (header + data + backlen), to reserve room before writing. */
function maxEntrySize(v: LpValue): number {
  return typeof v === 'bigint' ? 14 : v.length + 10;
}

/**
 * Builds a listpack in one growing buffer, so callers can watch its size as they add (quicklist and
 * stream nodes are size-capped) and take back the last entry when it overflowed the cap.
 */
export class ListpackBuilder {
  private buf = Buffer.allocUnsafe(256);
  private pos = HEADER;
  private lastStart = HEADER;
  count = 0;

  add(v: LpValue): this {
    const need = this.pos + maxEntrySize(v) + 1;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    this.lastStart = this.pos;
    const len = writeBody(this.buf, this.pos, v);
    this.pos += len;
    this.pos += writeBacklen(this.buf, this.pos, len);
    this.count++;
    return this;
  }

  /** Drops the entry added last (only one level of undo is kept). */
  undoLast(): void {
    if (this.lastStart === this.pos) throw new Error('nothing to undo');
    this.pos = this.lastStart;
    this.count--;
  }

  /** The size the finished listpack would have now. */
  get byteSize(): number {
    return this.pos + 1;
  }

  finish(): Buffer {
    const total = this.pos + 1;
    if (total > 0xffffffff) throw new RdbError('INVALID_INPUT', 'listpack larger than 4 GiB');
    const out = Buffer.allocUnsafe(total);
    this.buf.copy(out, 0, 0, this.pos);
    out.writeUInt32LE(total, 0);
    out.writeUInt16LE(Math.min(this.count, NUMELE_UNKNOWN), 4);
    out[this.pos] = EOF;
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
