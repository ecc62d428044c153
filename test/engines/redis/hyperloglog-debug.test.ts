// PFDEBUG, corrupted-HLL errors and hll-sparse-max-bytes, compared with redis-server 7.0 (found by
// Redis's unit/hyperloglog, whose encoding tests read PFDEBUG).
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const CASES: Record<string, string> = {
  'PFDEBUG ENCODING, DECODE, TODENSE and GETREG': `
    PFADD h a b c
    PFDEBUG ENCODING h
    PFDEBUG DECODE h
    PFDEBUG TODENSE h
    PFDEBUG ENCODING h
    PFDEBUG TODENSE h
    PFDEBUG DECODE h
    PFADD g x y
    PFDEBUG GETREG g
    PFDEBUG ENCODING g
    GET g
    PFCOUNT h g
  `,
  'PFDEBUG errors': `
    PFDEBUG ENCODING missing
    PFDEBUG NOPE missing
    SET s foo
    PFDEBUG ENCODING s
    RPUSH l a
    PFDEBUG ENCODING l
    PFADD h a
    PFDEBUG NOPE h
    PFDEBUG DECODE h extra
    PFDEBUG GETREG
  `,
  'a sparse HLL with bytes past its last register is reported corrupted': `
    PFADD h a b c
    APPEND h hello
    PFCOUNT h
    PFCOUNT h h
    PFADD h d
    PFMERGE dest h
    PFDEBUG TODENSE h
  `,
  'hll-sparse-max-bytes decides when a sparse value becomes dense': `
    CONFIG SET hll-sparse-max-bytes 3000
    PFADD h a b c d e d g h i j k
    PFDEBUG ENCODING h
    STRLEN h
    CONFIG SET hll-sparse-max-bytes 30
    PFADD h new_element
    PFDEBUG ENCODING h
    STRLEN h
    PFCOUNT h
    CONFIG SET hll-sparse-max-bytes 3000
  `,
};

describe.skipIf(!available)('HyperLogLog debugging and corruption, against redis-server 7.0', () => {
  const pair = serverPair();

  it('sparse values grow byte for byte as in redis-server, up to their promotion to dense', async () => {
    const cmds: string[][] = [];
    for (let batch = 0; batch < 40; batch++) {
      cmds.push(['PFADD', 'h', ...Array.from({ length: 60 }, (_, i) => `e${batch}:${i}`)]);
      cmds.push(['GET', 'h'], ['PFCOUNT', 'h']);
    }
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      await expectSameReplies(pair, text);
    });
  }
});
