// HSET of more than SLICED_WRITE_ARGS arguments runs in slices (sliced.ts); where its listpack hash became a
// hashtable and how that dict was sized (hashTypeConvert presizes it for the fields it moves; a long value
// converts before any insert) must still be redis-server's, as for a short HSET: MEMORY USAGE reads it.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();
/** 2100 fields and values of one length each: every sample MEMORY USAGE takes weighs the same. */
const pairs = Array.from({ length: 2100 }, (_, i) => [`f${String(i).padStart(5, '0')}`, `v${String(i).padStart(5, '0')}`]).flat();

describe.skipIf(!available)('HSET in slices', () => {
  const pair = serverPair();

  it('converts a listpack where redis-server does and sizes the dict as it does (MEMORY USAGE, OBJECT ENCODING)', async () => {
    const long = 'x'.repeat(70);
    const cmds = [
      // New: converted after the insert that passed hash-max-listpack-entries.
      ['HSET', 'fresh', ...pairs],
      // A value past hash-max-listpack-value at the end: converted before the first insert.
      ['HSET', 'long', ...pairs, 'f99999', long],
      // An existing small listpack hash.
      ['HSET', 'small', 'a', '1'],
      ['HSET', 'small', ...pairs],
      ['HSET', 'hmset', 'a', '1'],
      ['HMSET', 'hmset', ...pairs],
      ...['fresh', 'long', 'small', 'hmset'].flatMap((k) => [['OBJECT', 'ENCODING', k], ['HLEN', k], ['MEMORY', 'USAGE', k, 'SAMPLES', '0']]),
    ];
    expect(cmds[0]?.length).toBeGreaterThan(4096);
    const out = await differential(pair.ours.port, pair.real.port, cmds);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  }, 30_000);
});
