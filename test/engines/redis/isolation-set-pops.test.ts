// SPOP with a count over a set of hundreds of thousands picks in one pass without copying the set, writes
// the picks as it goes and changes the set once at the end: another node keeps answering PING, and what
// is popped and left has redis-server's shape (the picks themselves are random on both).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { differential, encodeCommand, RawClient, realRedisAvailable } from './helpers.ts';
import { bound, stallServers, wholeTurn, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 200_000);
const available = realRedisAvailable();

function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const add = ['SADD', 'a'];
    for (let i = from; i < Math.min(N, from + 1000); i++) add.push(`m${i}`);
    out.push(add, ['SADD', 'b', ...add.slice(2)], ['SADD', 'c', ...add.slice(2)], ['SADD', 'spare', ...add.slice(2)]);
  }
  return out;
}

/**
 * Sends `cmd` on a new connection and returns the members of its array-of-bulks reply. Chunks are only
 * counted as they come (a reply of 200,000 lines costs this process little), so the loop delay measured
 * meanwhile is the server's.
 */
function popped(port: number, cmd: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(encodeCommand(cmd)));
    const chunks: Buffer[] = [];
    let lines = 0;
    let want = -1;
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      if (want < 0) want = 1 + 2 * Number(Buffer.concat(chunks).toString('latin1', 1, 12).split('\r\n')[0]);
      if (lines < want) return;
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('latin1').split('\r\n').filter((_, i) => i >= 2 && i % 2 === 0 && i <= want));
    });
    sock.on('error', reject);
  });
}

describe.skipIf(!available)('SPOP with a count over a big set', () => {
  const s = stallServers(fill);

  it('pops distinct members of the set, leaves the rest, and another node answers meanwhile', async () => {
    const c = await RawClient.connect(s.busy.port);
    const r = await RawClient.connect(s.real.port);
    try {
      const whole = await wholeTurn(c, ['SPOP', 'spare', String(N / 2)]);
      for (const [key, count] of [
        ['a', N * 0.75],
        ['b', 3000],
        ['c', N * 2],
      ] as const) {
        let ours!: Promise<string[]>;
        const { ping } = await whileWorking(s.other.port, () => (ours = popped(s.busy.port, ['SPOP', key, String(count)])));
        const picks = await ours;
        const real = await popped(s.real.port, ['SPOP', key, String(count)]);
        expect(picks.length, key).toBe(real.length);
        expect(new Set(picks).size, key).toBe(picks.length);
        expect(picks.every((m) => /^m\d+$/.test(m) && Number(m.slice(1)) < N), key).toBe(true);
        expect(await c.call('SCARD', key), key).toBe(await r.call('SCARD', key));
        const left = picks.slice(0, 50);
        expect(await c.call('SMISMEMBER', key, ...left), key).toBe(await r.call('SMISMEMBER', key, ...real.slice(0, 50)));
        expect(ping, key).toBeLessThan(bound(whole));
      }
      expect(await c.call('EXISTS', 'c')).toBe(':0\r\n');
    } finally {
      c.close();
      r.close();
    }
  }, 120_000);

  it('small counts, a count of 0, missing keys, wrong types, events and MULTI answer as redis-server', async () => {
    const cmds: string[][] = [
      ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
      ['SADD', 'one', 'x'],
      ['SPOP', 'one', '0'],
      ['SPOP', 'one', '1'],
      ['EXISTS', 'one'],
      ['SPOP', 'nosuch', '3'],
      ['SET', 'str', 'v'],
      ['SPOP', 'str', '2'],
      ['SPOP', 'str', '-1'],
      ['SADD', 'ints', '3', '1', '2'],
      ['SPOP', 'ints', '5'],
      ['SADD', 'n', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
      ['SPOP', 'n', '7'],
      ['SCARD', 'n'],
      ['MULTI'],
      ['SPOP', 'n', '2'],
      ['SCARD', 'n'],
      ['EXEC'],
    ];
    const pairs = await differential(s.busy.port, s.real.port, cmds);
    // Which members a pop picks is random on both: only the shape of those replies is compared.
    const shape = (x: string) => x.replace(/\$\d+\r\n\d+\r\n/g, '$n');
    // Popping a whole set of integers answers them sorted, as redis-server's intset.
    const same = (p: { cmd: string; ours: string; real: string }) => (p.cmd === 'SPOP ints 5' ? p.ours === p.real : shape(p.ours) === shape(p.real));
    expect(pairs.filter((p) => !same(p))).toEqual([]);
  });
});
