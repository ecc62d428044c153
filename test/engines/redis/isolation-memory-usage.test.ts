// MEMORY USAGE key SAMPLES 0 sizes every element of the value (redis-server walks them all too, in its own
// process): ours walks in slices, the node held meanwhile, so another node keeps answering PING; the
// figure equals redis-server's (N is where redis-server has finished rehashing h: the rehash, not modelled, see
// dict-size.ts, counts both tables for a while after a grow).
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { bound, stallServers, whileWorking, wholeTurn } from './stall.ts';

const N = Number(process.env.ISO_N ?? 480_000);
const available = realRedisAvailable();
const PAD = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A hash h of N fields, a list l of 2N elements, a set s and a sorted set z of N/2 members. */
function fill(): string[][] {
  // Interior list nodes are kept LZF-compressed: sizing one compresses it, the dearest element walk.
  const out: string[][] = [['CONFIG', 'SET', 'list-compress-depth', '1']];
  for (let from = 0; from < N; from += 1000) {
    const h = ['HSET', 'h'];
    const members: string[] = [];
    const z = ['ZADD', 'z'];
    for (let i = from; i < Math.min(N, from + 1000); i++) {
      h.push(`f${i}`, `v${i % 977}`);
      if (i % 2 === 0) {
        members.push(`m${i}`);
        z.push(String(i / 7), `m${i}`);
      }
    }
    out.push(h, ['SADD', 's', ...members], z, ['RPUSH', 'l', ...h.slice(2).map((x, i) => `${x}:${PAD.slice(i % 17)}`)]);
  }
  return out;
}

describe.skipIf(!available)('MEMORY USAGE SAMPLES 0 of big values', () => {
  const s = stallServers(fill);

  it('answers as redis-server while another node answers PING', async () => {
    const c = await RawClient.connect(s.busy.port);
    const r = await RawClient.connect(s.real.port);
    try {
      const whole = await wholeTurn(c, ['MEMORY', 'USAGE', 'l', 'SAMPLES', '0']);
      for (const key of ['l', 'h', 's', 'z']) {
        const cmd = ['MEMORY', 'USAGE', key, 'SAMPLES', '0'];
        let ours!: Promise<string>;
        const { ping, loop } = await whileWorking(s.other.port, () => (ours = c.call(...cmd)));
        const [mine, real] = [await ours, await r.call(...cmd)];
        // redis-server sizes each skiplist node by its random level, ours by the common one: near, not equal.
        if (key === 'z') expect(Math.abs(Number(mine.slice(1)) / Number(real.slice(1)) - 1), mine).toBeLessThan(0.1);
        else expect(mine, key).toBe(real);
        expect(ping, `${key}: whole ${whole.toFixed(0)} ms`).toBeLessThan(bound(whole));
        expect(loop, `${key}: whole ${whole.toFixed(0)} ms`).toBeLessThan(bound(whole));
      }
      console.log(`MEMORY USAGE l SAMPLES 0 run whole: ${whole.toFixed(0)} ms of CPU`);
    } finally {
      c.close();
      r.close();
    }
  }, 60_000);
});
