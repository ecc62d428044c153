// ZPOPMIN/ZPOPMAX/ZMPOP with a count of hundreds of thousands write the popped entries in slices and cut
// them out of the skiplist in one step: another node keeps answering PING, and the reply and what is left
// equal redis-server's.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable } from './helpers.ts';
import { digestOf, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 200_000);
const available = realRedisAvailable();

/** Sorted sets zp, zq, zm of N members, scores with ties (so equal scores pop in member order). */
function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const add = ['ZADD', 'zp'];
    for (let i = from; i < Math.min(N, from + 1000); i++) add.push(String(Math.floor(i / 3)), `m${(i * 7919) % N}`);
    out.push(add, ['ZADD', 'zq', ...add.slice(2)], ['ZADD', 'zm', ...add.slice(2)]);
  }
  return out;
}

describe.skipIf(!available)('sorted-set pops of big counts', () => {
  const s = stallServers(fill);

  it('ZPOPMIN, ZPOPMAX and ZMPOP of most or all of a big set answer and leave what redis-server does, another node answering', async () => {
    for (const cmd of [
      ['ZPOPMIN', 'zp', String(N / 2)],
      ['ZPOPMAX', 'zp', String(N)],
      ['ZMPOP', '2', 'nosuch', 'zq', 'MAX', 'COUNT', String(N / 3)],
      ['ZMPOP', '1', 'zm', 'MIN', 'COUNT', String(2 * N)],
    ]) {
      const key = cmd[0] === 'ZMPOP' ? (cmd[3] as string) : (cmd[1] as string);
      let both!: Promise<{ sha: string; head: string }[]>;
      const { ping, loop } = await whileWorking(s.other.port, () => (both = Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, cmd)))));
      const [mine, real] = await both;
      expect(mine, cmd.join(' ')).toEqual(real);
      expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      const left = await Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, ['ZRANGE', key, '0', '-1', 'WITHSCORES'])));
      expect(left[0], `${cmd.join(' ')}: what is left`).toEqual(left[1]);
    }
  }, 120_000);

  it('counts around the sliced threshold, RESP3, MULTI, wrong types and missing keys answer as redis-server', async () => {
    const cmds: string[][] = [];
    for (const n of [1000, 1025, 3000]) {
      for (let i = 0; i < n; i += 500) cmds.push(['ZADD', 'z', ...Array.from({ length: Math.min(500, n - i) }, (_, k) => [String((i + k) % 7), `e${i + k}`]).flat()]);
      cmds.push(['ZPOPMIN', 'z', '1025'], ['ZPOPMAX', 'z', '1030'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '5000'], ['EXISTS', 'z']);
    }
    cmds.push(['ZADD', 'y', '1', 'a', '2', 'b'], ['MULTI'], ['ZPOPMAX', 'y', '2000'], ['ZPOPMIN', 'nosuch', '2000'], ['EXEC']);
    cmds.push(['SET', 's', 'x'], ['ZPOPMIN', 's', '2000'], ['ZMPOP', '1', 's', 'MAX', 'COUNT', '2000'], ['ZMPOP', '1', 'nosuch', 'MAX', 'COUNT', '2000']);
    for (const proto of [2, 3] as const) {
      const pairs = await differential(s.busy.port, s.real.port, cmds, proto);
      expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
    }
  });

  it('a sliced pop raises the keyspace events redis-server raises', async () => {
    const events = async (port: number) => {
      const sub = await RawClient.connect(port);
      const c = await RawClient.connect(port);
      try {
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
        await sub.call('SUBSCRIBE', '__keyevent@0__:zpopmin', '__keyevent@0__:zpopmax', '__keyevent@0__:del');
        for (let i = 0; i < 2; i++) await sub.read(10_000);
        for (const key of ['e1', 'e2']) {
          for (let i = 0; i < 5000; i += 500) await c.call('ZADD', key, ...Array.from({ length: 500 }, (_, k) => [String(k), `m${i + k}`]).flat());
        }
        await c.call('ZPOPMIN', 'e1', '2500');
        await c.call('ZMPOP', '1', 'e2', 'MAX', 'COUNT', '9000');
        await c.call('ZPOPMAX', 'e1', '9000');
        const got: string[] = [];
        for (let i = 0; i < 5; i++) got.push((await sub.read(10_000)).toString());
        return got;
      } finally {
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
        sub.close();
        c.close();
      }
    };
    const [mine, real] = await Promise.all([events(s.busy.port), events(s.real.port)]);
    expect(mine).toEqual(real);
  });
});
