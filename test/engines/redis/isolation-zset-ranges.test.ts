// ZREMRANGEBYRANK/BYSCORE/BYLEX cut a run out of the skiplist at once and ZRANGESTORE copies its range in
// slices: over hundreds of thousands of members another node keeps answering PING, and what is left or
// stored equals redis-server's.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable } from './helpers.ts';
import { bound, onBoth, STALL_BOUND_MS, stallServers, wholeTurn, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 100_000);
const available = realRedisAvailable();

/** Three copies of one sorted set (scores with ties, members sortable by lex) and one of equal scores for BYLEX. */
function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const byScore = ['ZADD', 'zs'];
    const byLex = ['ZADD', 'zl'];
    for (let i = from; i < Math.min(N, from + 1000); i++) {
      const m = `m${String(i).padStart(7, '0')}`;
      byScore.push(String(Math.floor(i / 3)), m);
      byLex.push('0', m);
    }
    out.push(byScore, ['ZADD', 'zr', ...byScore.slice(2)], ['ZADD', 'zc', ...byScore.slice(2)], byLex);
  }
  return out;
}

describe.skipIf(!available)('sorted-set range writes over big sets', () => {
  const s = stallServers(fill);

  /** The reply, then the key's whole content, as each server has it. */
  const both = (cmd: readonly string[], key: string) => onBoth(s, cmd, ['ZRANGE', key, '0', '-1', 'WITHSCORES']);

  it('ZREMRANGEBYRANK, BYSCORE and BYLEX of most of a big set leave what redis-server leaves, another node answering', async () => {
    const cases: [string[], string][] = [
      [['ZREMRANGEBYRANK', 'zr', '1', '-2'], 'zr'],
      [['ZREMRANGEBYSCORE', 'zs', '(10', String(N / 3 - 5)], 'zs'],
      [['ZREMRANGEBYLEX', 'zl', '[m0000100', `(m${String(N - 100).padStart(7, '0')}`], 'zl'],
    ];
    for (const [cmd, key] of cases) {
      let ours!: Promise<{ reply: string; content: string }[]>;
      const { ping, loop } = await whileWorking(s.other.port, () => (ours = both(cmd, key)));
      const [mine, real] = await ours;
      expect(mine, cmd.join(' ')).toEqual(real);
      expect(mine?.reply.startsWith(':'), cmd.join(' ')).toBe(true);
      expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
    }
  });

  it('ZRANGESTORE of a big range stores what redis-server stores while another node answers', async () => {
    const c = await RawClient.connect(s.busy.port);
    try {
      // The whole copy's turn, once: each command below copies about as much.
      const whole = await wholeTurn(c, ['ZRANGESTORE', 'spare', 'zc', '0', '-1']);
      for (const cmd of [
        ['ZRANGESTORE', 'dst', 'zc', '0', '-1'],
        ['ZRANGESTORE', 'dst', 'zc', '+inf', '(5', 'BYSCORE', 'REV', 'LIMIT', '3', String(N)],
        ['ZRANGESTORE', 'zc', 'zc', '[m0000010', '+', 'BYLEX'],
      ]) {
        let ours!: Promise<{ reply: string; content: string }[]>;
        const { ping } = await whileWorking(s.other.port, () => (ours = both(cmd, cmd[1] as string)));
        const [mine, real] = await ours;
        expect(mine, cmd.join(' ')).toEqual(real);
        expect(ping, cmd.join(' ')).toBeLessThan(bound(whole));
      }
    } finally {
      c.close();
    }
  }, 120_000);

  it('small ranges, edge bounds, missing keys and MULTI answer as redis-server', async () => {
    const cmds: string[][] = [['ZADD', 'z', '1', 'a', '1', 'b', '2', 'c', '3', 'd', '3', 'e', '4', 'f', '5', 'g', '5', 'h']];
    const ops = [
      ['ZREMRANGEBYRANK', 'z', '2', '3'],
      ['ZREMRANGEBYRANK', 'z', '-1', '-1'],
      ['ZREMRANGEBYRANK', 'z', '5', '1'],
      ['ZREMRANGEBYRANK', 'z', '-100', '0'],
      ['ZREMRANGEBYSCORE', 'z', '(1', '3'],
      ['ZREMRANGEBYSCORE', 'z', '-inf', '(1'],
      ['ZREMRANGEBYSCORE', 'z', '10', '1'],
      ['ZREMRANGEBYLEX', 'z', '(b', '[e'],
      ['ZREMRANGEBYLEX', 'z', '-', '+'],
      ['ZREMRANGEBYLEX', 'z', 'b', '+'],
      ['ZRANGESTORE', 'd', 'z', '1', '-2'],
      ['ZRANGESTORE', 'd', 'nosuch', '0', '-1'],
      ['ZRANGESTORE', 'd', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', '1', '2'],
      ['ZRANGESTORE', 'd', 'z', '5', '0', 'REV'],
    ];
    for (const op of ops) {
      cmds.push(op, ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['EXISTS', 'z', 'd']);
      cmds.push(['DEL', 'z'], ['ZADD', 'z', '1', 'a', '1', 'b', '2', 'c', '3', 'd', '3', 'e', '4', 'f', '5', 'g', '5', 'h']);
    }
    cmds.push(['MULTI'], ['ZRANGESTORE', 'd', 'z', '0', '2'], ['ZREMRANGEBYRANK', 'z', '0', '-1'], ['EXEC'], ['ZRANGE', 'd', '0', '-1'], ['EXISTS', 'z']);
    // Random cuts of a set of 300: the levels of the skiplist are spliced over every kind of boundary.
    cmds.push(['DEL', 'z']);
    const fillSmall = ['ZADD', 'z'];
    for (let i = 0; i < 300; i++) fillSmall.push(String(i % 17), `k${i}`);
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 40; i++) {
      const a = rnd(320) - 10;
      cmds.push(fillSmall, ['ZREMRANGEBYRANK', 'z', String(a), String(a + rnd(200))], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZREVRANGE', 'z', '0', '2'], ['ZRANK', 'z', `k${rnd(300)}`]);
      cmds.push(['ZADD', 'z', '8', 'new'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES']);
    }
    const pairs = await differential(s.busy.port, s.real.port, cmds);
    expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
  });
});
