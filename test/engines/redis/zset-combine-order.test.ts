// ZUNION/ZINTER and their STORE forms combine scores in the order redis-server does: inputs sorted by size,
// smallest first (ZDIFF keeps the order given). Sums of infinities (inf + -inf is NaN, taken as 0) and of
// floats that round depend on which pair meets first, and an intersection walks the smallest input, so a
// one-member set against a million costs one lookup.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('sorted-set combinations: the order scores meet in', () => {
  const pair = serverPair();

  it('sums of infinities and of rounding floats equal redis-server\'s for inputs given in every order', async () => {
    const setup = [
      ['ZADD', 'a', 'inf', 'm', '0.1', 'f'],
      ['ZADD', 'b', '-inf', 'm', '0.2', 'f', '1', 'x'],
      ['ZADD', 'c', '5', 'm', '0.3', 'f', '1', 'x', '1', 'y'],
      ['SADD', 's', 'm', 'f', 'x', 'y', 'z'],
    ];
    const orders = [['a', 'b', 'c'], ['c', 'b', 'a'], ['b', 'c', 'a'], ['c', 'a', 'b'], ['s', 'c', 'a'], ['a', 'nosuch', 'c'], ['c', 'c', 'a']];
    const cmds: string[][] = [...setup];
    for (const keys of orders) {
      for (const agg of ['SUM', 'MIN', 'MAX']) {
        for (const op of ['ZUNION', 'ZINTER']) {
          cmds.push([op, '3', ...keys, 'WEIGHTS', '1', '-1', '3', 'AGGREGATE', agg, 'WITHSCORES']);
          cmds.push([op, '3', ...keys, 'AGGREGATE', agg, 'WITHSCORES']);
          cmds.push([`${op}STORE`, 'dst', '3', ...keys, 'WEIGHTS', '0.5', '2', '-inf'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']);
        }
      }
      cmds.push(['ZDIFF', '3', ...keys, 'WITHSCORES'], ['ZINTERCARD', '3', ...keys]);
    }
    const pairs = await differential(pair.ours.port, pair.real.port, cmds);
    expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
  });
});
