// Valid text pipelines with long lines (gets of up to 4000 keys, past memcached's 16 KB read buffer) and values
// around its size, written in random pieces with short pauses between some: where each of memcached's reads
// ends must not change any reply (engines/memcached/read-window.ts follows those reads). Compared with
// memcached 1.6.18 byte for byte, CAS numbers aside. 260 seeds of this agreed when it was written.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { normalize, realMemcachedAvailable } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';
import { int, rng } from './random.ts';

const available = realMemcachedAvailable();

function valueLength(r: () => number): number {
  const kind = int(r, 0, 5);
  if (kind === 0) return int(r, 16000, 17000);
  if (kind === 1) return int(r, 60000, 70000);
  if (kind === 2) return int(r, 0, 20);
  return int(r, 100, 5000);
}

/** A pipeline of valid commands, ended by `mn` (whose MN tells the replies are all in). */
function pipeline(r: () => number): string {
  const key = () => `k${int(r, 0, 300)}${int(r, 0, 1) ? 'x'.repeat(int(r, 0, 200)) : ''}`;
  let s = '';
  for (let i = int(r, 5, 60); i > 0; i--) {
    const kind = int(r, 0, 9);
    if (kind <= 3) {
      const length = valueLength(r);
      s += `set ${key()} ${int(r, 0, 5)} 0 ${length}\r\n${'v'.repeat(length)}\r\n`;
    } else if (kind <= 6) {
      // Only get and gets lines may outgrow the buffer (a longer gat line closes the connection).
      const gat = int(r, 0, 2) === 0;
      const keys = Array.from({ length: !gat && int(r, 0, 3) === 0 ? int(r, 500, 4000) : int(r, 1, 15) }, key);
      s += `${gat ? 'gat 100' : int(r, 0, 1) ? 'get' : 'gets'} ${keys.join(' ')}\r\n`;
    } else if (kind === 7) s += `delete ${key()}\r\n`;
    else if (kind === 8) s += `mg ${key()} v f k\r\n`;
    else s += `incr ${key()} 3\r\n`;
  }
  return s + 'mn\r\n';
}

/** Writes `data` in pieces drawn from `r` and reads every reply (until MN), then flushes for the next seed. */
async function exchangeInPieces(port: number, data: Buffer, r: () => number): Promise<string> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => s.once('connect', resolve));
  const chunks: Buffer[] = [];
  let tail = '';
  const replies = new Promise<string>((resolve) => {
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      tail = (tail + d.latin1Slice()).slice(-4);
      if (tail === 'MN\r\n') resolve(Buffer.concat(chunks).latin1Slice());
    });
    s.on('close', () => resolve(`${Buffer.concat(chunks).latin1Slice()}<closed>`));
    s.on('error', () => undefined);
  });
  for (let off = 0; off < data.length; ) {
    const size = int(r, 0, 3) === 0 ? int(r, 1, 100) : int(r, 1000, 100_000);
    s.write(data.subarray(off, off + size));
    off += size;
    if (int(r, 0, 2) === 0) await new Promise((resolve) => setTimeout(resolve, int(r, 0, 3)));
  }
  const out = await replies;
  s.write('flush_all\r\n');
  await new Promise((resolve) => s.once('data', resolve));
  s.destroy();
  return normalize(out);
}

describe.skipIf(!available)('text pipelines written in pieces, as memcached', () => {
  const pair = realAndOursForTests({ realArgs: ['-m', '1024'], ours: { memoryLimit: 1024 * 1024 * 1024 } });

  it.each([3, 15, 21, 36, 49, 57, 120, 200])('seed %i: every reply as memcached, whatever the pieces', async (seed) => {
    const data = Buffer.from(pipeline(rng(seed)), 'latin1');
    const real = await exchangeInPieces(pair.real.port, data, rng(seed * 7 + 1));
    const ours = await exchangeInPieces(pair.ours.port, data, rng(seed * 7 + 1));
    expect(real).not.toContain('<closed>');
    expect(real.length).toBeGreaterThan(1000);
    expect(ours.length).toBe(real.length);
    expect(ours === real).toBe(true);
  }, 30_000);
});
