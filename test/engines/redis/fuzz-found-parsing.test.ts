// Deterministic cases for differences in how arguments and numbers are read (the order of checks,
// C library state a parse leaves behind) that the random differential (tools/redis-fuzz) found;
// each compared with redis-server 7.0 byte for byte.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('argument parsing as the random differential saw it', () => {
  const pair = serverPair();

  async function sameReplies(text: string, proto: 2 | 3 = 2): Promise<void> {
    const results = await differential(pair.ours.port, pair.real.port, script(text), proto);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  }

  it('BITCOUNT answers an empty negative range before it reads the unit (seed 8400)', async () => {
    await sameReplies(`
      SETBIT s1 1 1
      BITCOUNT s1 -1 -2 ""
      BITCOUNT s1 -1 -2 x
      BITCOUNT s1 -2 -1 x
      BITCOUNT s1 1 2 x
      BITCOUNT s1 5 2 x
      BITCOUNT s1 -1 -2 BIT
      BITCOUNT nokey -1 -2 x
      BITCOUNT s1 -1 -2 x y
    `);
  });
});
