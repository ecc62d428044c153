// DEBUG RELOAD reads and builds each value a few elements a step, also inside one big value (a hash of a million
// fields was read and built whole: every node held for 1.2 s): another node answers PING meanwhile (CPU-time
// bound), and the dataset reloaded is redis-server's (DEBUG DIGEST, each key's encoding).
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { replies, slicedDigest, stallServers } from './stall.ts';

const N = Number(process.env.ISO_N ?? 300_000);
const available = realRedisAvailable();
const KEYS = ['h', 'z', 's', 'l', 'x'];

/** A hash of N fields; a sorted set, set, list and stream of N / 10 elements each. */
function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const h = ['HSET', 'h'];
    for (let i = from; i < from + 1000; i++) h.push(`f${i}`, `v${i}`);
    out.push(h);
  }
  for (let from = 0; from < N / 10; from += 1000) {
    const [z, s, l] = [['ZADD', 'z'], ['SADD', 's'], ['RPUSH', 'l']];
    for (let i = from; i < from + 1000; i++) {
      z.push(String(i / 3), `m${i}`);
      s.push(`m${i}`);
      l.push(`e${i}`);
      out.push(['XADD', 'x', `${i + 1}-1`, 'f', `v${i}`]);
    }
    out.push(z, s, l);
  }
  return out;
}

describe.skipIf(!available)('DEBUG RELOAD of big values', () => {
  const s = stallServers(fill, ['--enable-debug-command', 'yes']);

  it('reloads each big value in steps while another node answers; the dataset equals redis-server\'s', async () => {
    // DEBUG DIGEST-VALUE of the big hash would cost seconds on our side: its length and some fields instead.
    const check = [['DBSIZE'], ['HLEN', 'h'], ['HMGET', 'h', 'f0', 'f7', `f${N - 1}`, 'nosuch'], ...KEYS.slice(1).map((k) => ['DEBUG', 'DIGEST-VALUE', k]), ...KEYS.map((k) => ['OBJECT', 'ENCODING', k])];
    for (const port of [s.busy.port, s.real.port]) expect(await replies(port, [['DEBUG', 'RELOAD']])).toEqual(['+OK\r\n']);
    expect(await replies(s.busy.port, check)).toEqual(await replies(s.real.port, check));
    // NOSAVE loads the file the reload above saved: the load alone is bounded by what it costs whole, which
    // is mostly the big hash's.
    expect((await slicedDigest(s, ['DEBUG', 'RELOAD', 'NOSAVE'])).head).toBe('+OK');
    expect(await replies(s.busy.port, check)).toEqual(await replies(s.real.port, check));
  }, 120_000);
});
