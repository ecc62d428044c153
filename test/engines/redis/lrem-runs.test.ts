// LREM moves only the run between the end it searches from and the last element it removes, in either
// direction and across the ring's wrap-around (pushes on both ends first): what is left equals
// redis-server's for random lists and counts.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('LREM', () => {
  const pair = serverPair();

  it('leaves what redis-server leaves for random lists, elements and counts', async () => {
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const cmds: string[][] = [];
    for (let round = 0; round < 60; round++) {
      cmds.push(['DEL', 'l']);
      const size = 1 + rnd(round < 40 ? 40 : 3000);
      // Elements from a few values so that each LREM finds several; LPUSH and RPUSH so the ring wraps.
      for (let i = 0; i < size; i += 100) {
        const part = Array.from({ length: Math.min(100, size - i) }, () => `v${rnd(5)}`);
        cmds.push([rnd(2) === 0 ? 'LPUSH' : 'RPUSH', 'l', ...part]);
      }
      for (let k = 0; k < 4; k++) {
        const count = [0, 1, -1, 2, -3, 7, -20, 1000][rnd(8)] as number;
        cmds.push(['LREM', 'l', String(count), `v${rnd(6)}`], ['LLEN', 'l']);
      }
      cmds.push(['LRANGE', 'l', '0', '-1']);
    }
    const pairs = await differential(pair.ours.port, pair.real.port, cmds);
    expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
  });
});
