// DEBUG DIGEST hashes short elements with sha1-short.ts: elements around its block and padding edges
// (55, 56, 63, 64, 119, 120 bytes), the switch to the native hash at 512, the empty string and every
// byte value give the digests redis-server gives.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();
const LENGTHS = [0, 1, 19, 20, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 511, 512, 513, 1000];

/** A string of n bytes cycling through every byte value from `from`. */
const bytesOf = (n: number, from: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (from + i * 7) & 0xff));

describe.skipIf(!available)('DEBUG DIGEST of elements of every length near the SHA-1 block edges', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('equals redis-server for strings, lists, sets, hashes, sorted sets and the dataset', async () => {
    const cmds: (string | Buffer)[][] = [];
    for (const n of LENGTHS) {
      const v = bytesOf(n, n);
      cmds.push(['SET', `s${n}`, v], ['RPUSH', 'l', v], ['SADD', 'set', v], ['HSET', 'h', v, bytesOf(n, n + 1)], ['ZADD', 'z', String(n / 3), v]);
      cmds.push(['SET', Buffer.concat([Buffer.from('k'), v]), 'x']);
    }
    cmds.push(['DEBUG', 'DIGEST-VALUE', ...LENGTHS.map((n) => `s${n}`), 'l', 'set', 'h', 'z'], ['DEBUG', 'DIGEST']);
    const pairs = await differential(pair.ours.port, pair.real.port, cmds);
    expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
    expect(pairs.at(-1)?.ours).toMatch(/^\+[0-9a-f]{40}\r\n$/);
  });
});
