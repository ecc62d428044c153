// Raw binary-protocol packets for tests that must control every header byte.
import { exchange } from './helpers.ts';

export interface PacketSpec {
  opcode: number;
  key?: string;
  extras?: Buffer;
  value?: Buffer | string;
  cas?: bigint;
  opaque?: number;
  /** Overrides the computed body length, to send malformed frames. */
  bodyLength?: number;
}

export function packet(spec: PacketSpec): Buffer {
  const key = Buffer.from(spec.key ?? '', 'latin1');
  const extras = spec.extras ?? Buffer.alloc(0);
  const value = typeof spec.value === 'string' ? Buffer.from(spec.value, 'latin1') : (spec.value ?? Buffer.alloc(0));
  const header = Buffer.alloc(24);
  header[0] = 0x80;
  header[1] = spec.opcode;
  header.writeUInt16BE(key.length, 2);
  header[4] = extras.length;
  header.writeUInt32BE(spec.bodyLength ?? extras.length + key.length + value.length, 8);
  header.writeUInt32BE(spec.opaque ?? 0, 12);
  header.writeBigUInt64BE(spec.cas ?? 0n, 16);
  return Buffer.concat([header, extras, key, value]);
}

export function setExtras(flags: number, exptime: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(flags, 0);
  b.writeInt32BE(exptime, 4);
  return b;
}

export function deltaExtras(delta: bigint, initial: bigint, exptime: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeBigUInt64BE(delta, 0);
  b.writeBigUInt64BE(initial, 8);
  b.writeUInt32BE(exptime >>> 0, 16);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export interface ResponsePacket {
  opcode: number;
  status: number;
  opaque: number;
  cas: bigint;
  extras: Buffer;
  key: string;
  value: Buffer;
}

export function parseResponses(buf: Buffer): { packets: ResponsePacket[]; rest: number } {
  const packets: ResponsePacket[] = [];
  let off = 0;
  while (buf.length - off >= 24) {
    const bodyLength = buf.readUInt32BE(off + 8);
    if (buf.length - off < 24 + bodyLength) break;
    const keyLength = buf.readUInt16BE(off + 2);
    const extLength = buf[off + 4]!;
    const body = buf.subarray(off + 24, off + 24 + bodyLength);
    packets.push({
      opcode: buf[off + 1]!,
      status: buf.readUInt16BE(off + 6),
      opaque: buf.readUInt32BE(off + 12),
      cas: buf.readBigUInt64BE(off + 16),
      extras: body.subarray(0, extLength),
      key: body.subarray(extLength, extLength + keyLength).toString('latin1'),
      value: body.subarray(extLength + keyLength),
    });
    off += 24 + bodyLength;
  }
  return { packets, rest: buf.length - off };
}

const NOOP = 0x0a;

/** Sends packets plus a trailing NOOP; done when the NOOP reply arrives or the server closes. */
export async function binaryExchange(port: number, packets: Buffer[]) {
  const data = Buffer.concat([...packets, packet({ opcode: NOOP, opaque: 0xfeed })]);
  const r = await exchange(
    port,
    data,
    (b) => parseResponses(b).packets.some((p) => p.opcode === NOOP && p.opaque === 0xfeed),
    1500,
  );
  return { ...parseResponses(r.reply), closed: r.closed };
}

/** A comparable description of a response stream: CAS values renumbered by first appearance. */
export function describe(packets: ResponsePacket[], closed: boolean): string[] {
  const cas = new Map<bigint, number>();
  const lines = packets.map((p) => {
    let c = '0';
    if (p.cas !== 0n) {
      if (!cas.has(p.cas)) cas.set(p.cas, cas.size + 1);
      c = `#${cas.get(p.cas)}`;
    }
    const value = p.opcode === 0x0b ? '<version>' : p.value.toString('latin1');
    return `op=${p.opcode} status=${p.status} opaque=${p.opaque} cas=${c} ext=${p.extras.toString('hex')} key=${p.key} value=${JSON.stringify(value)}`;
  });
  if (closed) lines.push('<closed>');
  return lines;
}
