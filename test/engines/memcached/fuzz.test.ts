// Random and truncated input must never crash the node: afterwards another client is served normally.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packet, setExtras } from './binary-helpers.ts';
import { startOurs, textExchange, type Target } from './helpers.ts';
import { int, pick, rng } from './random.ts';

const FRAGMENTS = [
  'set k 0 0 5\r\nhello\r\n', 'get k k k\r\n', 'gets ', 'ms k 3 T1 b\r\n', 'mg ', 'ma k N0 J1 v\r\n', 'md k I\r\n',
  'incr k 1\r\n', 'cas k 0 0 1 1\r\n', 'delete k\r\n', 'touch k 1\r\n', 'stats\r\n', 'stats slabs\r\n', 'flush_all\r\n',
  'me k\r\n', 'mn\r\n', '\r\n', ' ', '0', '-1', '18446744073709551616', 'noreply', 'quit', 'config get cluster\r\n',
];

function randomInput(r: () => number): Buffer {
  const parts: Buffer[] = [];
  const n = int(r, 1, 12);
  for (let i = 0; i < n; i++) {
    const kind = int(r, 0, 3);
    if (kind === 0) parts.push(Buffer.from(pick(r, FRAGMENTS)));
    else if (kind === 1) {
      const junk = Buffer.alloc(int(r, 1, 64));
      for (let j = 0; j < junk.length; j++) junk[j] = int(r, 0, 255);
      parts.push(junk);
    } else if (kind === 2) {
      const f = Buffer.from(pick(r, FRAGMENTS));
      parts.push(f.subarray(0, int(r, 0, f.length)));
    } else {
      parts.push(Buffer.from(`set f${int(r, 0, 9)} ${int(r, 0, 3)} 0 ${int(r, 0, 20)}\r\n`));
    }
  }
  return Buffer.concat(parts);
}

function randomBinary(r: () => number): Buffer {
  const p = packet({
    opcode: int(r, 0, 0x25),
    key: 'k'.repeat(int(r, 0, 3)),
    extras: r() < 0.5 ? setExtras(int(r, 0, 9), 0) : Buffer.alloc(int(r, 0, 24)),
    value: 'v'.repeat(int(r, 0, 10)),
    cas: BigInt(int(r, 0, 3)),
  });
  // Sometimes lie about lengths or cut the packet short.
  if (r() < 0.2) p.writeUInt16BE(int(r, 0, 400), 2);
  if (r() < 0.2) p[4] = int(r, 0, 255);
  return r() < 0.2 ? p.subarray(0, int(r, 1, p.length)) : p;
}

async function blast(port: number, chunks: Buffer[]): Promise<void> {
  await new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.on('data', () => {});
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
      setTimeout(() => s.destroy(), 20);
    });
  });
}

describe('protocol fuzz', () => {
  let server: Target;
  beforeAll(async () => {
    server = await startOurs({ memoryLimit: 256 * 1024, clusterConfig: () => ({ version: 1, nodes: [] }) });
  });
  afterAll(() => server.close());

  it('survives random text and binary input, split anywhere', async () => {
    const r = rng(424242);
    for (let round = 0; round < 150; round++) {
      const input = r() < 0.7 ? randomInput(r) : Buffer.concat([randomBinary(r), randomBinary(r), randomBinary(r)]);
      const chunks: Buffer[] = [];
      let off = 0;
      while (off < input.length) {
        const n = int(r, 1, Math.max(1, input.length - off));
        chunks.push(input.subarray(off, off + n));
        off += n;
      }
      await blast(server.port, chunks);
    }
    const reply = await textExchange(server.port, 'set alive 0 0 2\r\nok\r\nget alive\r\n');
    expect(reply.reply.toString()).toBe('STORED\r\nVALUE alive 0 2\r\nok\r\nEND\r\nMN\r\n');
  });
});
