// A script that returns a table holding itself: endless nesting, which redis-server 7.0.15 writes until
// it runs out of memory. Ours wrote it into one buffer until Buffer.allocUnsafe threw past 4 GB and the
// process ended with every node (fuzz seed 118508). Now the reply goes out as it is made and, once
// the caller leaves, the rest is not made: the node answers its other clients again. A deep but
// finite table still comes back byte for byte as redis-server sends it.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const CYCLE = 'local t = {} for i = 1, 5 do t[i] = t end return t';
// 4^9 = 262,144 leaves under nine levels of arrays: several slices of output.
const DEEP = 'local function make(d) if d == 0 then return "leaf" end local t = {} for i = 1, 4 do t[i] = make(d - 1) end return t end return make(9)';

/** The bytes a connection receives for `payload` until they end with `end` (or `limit` bytes came). */
function exchange(port: number, payload: string, end: string | null, limit = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    s.on('data', (d: Buffer) => {
      parts.push(d);
      n += d.length;
      const tail = d.subarray(-16).toString('latin1');
      if ((end !== null && tail.endsWith(end)) || n >= limit) {
        s.destroy();
        resolve(Buffer.concat(parts));
      }
    });
    s.on('error', reject);
  });
}

const evalOf = (script: string): string => `*3\r\n$4\r\nEVAL\r\n$${script.length}\r\n${script}\r\n$1\r\n0\r\n`;
const digest = (b: Buffer): string => `${b.length} ${createHash('sha1').update(b).digest('hex')}`;

describe.runIf(available)('a script reply made in slices', () => {
  const pair = serverPair();

  it('a deep table arrives as redis-server sends it', async () => {
    const ask = evalOf(DEEP) + '*1\r\n$4\r\nPING\r\n';
    const [ours, real] = [await exchange(pair.ours.port, ask, '+PONG\r\n'), await exchange(pair.real.port, ask, '+PONG\r\n')];
    expect(digest(ours)).toBe(digest(real));
  }, 60000);

  it('a cyclic table: the caller gets output as it is made, and once it leaves the node answers others', async () => {
    const got = await exchange(pair.ours.port, evalOf(CYCLE), null, 1 << 22);
    expect(got.length).toBeGreaterThanOrEqual(1 << 22);
    expect((await exchange(pair.ours.port, '*1\r\n$4\r\nPING\r\n', '+PONG\r\n')).toString()).toBe('+PONG\r\n');
  }, 60000);
});
