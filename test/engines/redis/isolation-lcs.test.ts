// LCS of the longest strings proto-max-bulk-len lets it compare (11k bytes each: a 121M-cell table) fills its
// table a row a step: another node keeps answering PING, and the answers equal redis-server's.
import { describe, expect, it } from 'vitest';
import { digestOf, slicedDigest, stallServers } from './stall.ts';
import { realRedisAvailable } from './helpers.ts';

const N = 11_000;
const available = realRedisAvailable();

const text = (step: number) => Array.from({ length: N }, (_, i) => String.fromCharCode(97 + ((i * step + (i >> 7)) % 26))).join('');

describe.skipIf(!available)('LCS in steps', () => {
  const s = stallServers(() => [['MSET', 'a', text(7), 'b', text(11)]]);

  it('LCS, LCS LEN and LCS IDX of two 11k strings: another node answers meanwhile, replies as redis-server', async () => {
    for (const cmd of [
      ['LCS', 'a', 'b'],
      ['LCS', 'a', 'b', 'LEN'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '3', 'WITHMATCHLEN'],
    ]) {
      expect(await slicedDigest(s, cmd), cmd.join(' ')).toEqual(await digestOf(s.real.port, cmd));
    }
  }, 300_000);
});
