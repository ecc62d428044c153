// Stream commands over a stream of hundreds of thousands of entries: another node keeps answering PING,
// and what they answer and leave equals redis-server's.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { digestOf, onBoth, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 200_000);
const available = realRedisAvailable();

/** Stream `st` of N entries with ids 1-0 .. N-0. */
function fill(): string[][] {
  const out: string[][] = [];
  for (let i = 1; i <= N; i++) out.push(['XADD', 'st', `${i}-0`, 'f', `v${i}`]);
  return out;
}

describe.skipIf(!available)('stream commands over a big stream', () => {
  const s = stallServers(fill);

  it('XDEL of 50,000 ids (some twice, some missing) leaves what redis-server leaves, another node answering', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50_000; i++) ids.push(`${1 + ((i * 7919) % (N + 1000))}-0`);
    ids.push('5-0', '5-0', '7-0');
    let ours!: Promise<{ reply: string; content: string }[]>;
    const { ping, loop } = await whileWorking(s.other.port, () => (ours = onBoth(s, ['XDEL', 'st', ...ids], ['XRANGE', 'st', '-', '+'])));
    const [mine, real] = await ours;
    expect(mine).toEqual(real);
    expect(ping).toBeLessThan(STALL_BOUND_MS);
    expect(loop).toBeLessThan(STALL_BOUND_MS);
    const info = await Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, ['XINFO', 'STREAM', 'st'])));
    expect(info[0]).toEqual(info[1]);
  }, 120_000);

  // MEMORY USAGE is not compared: ours differs from redis-server's for existing keys (issue 9's known gap).
  it('XDEL of a few or many ids of small streams answers, dumps and reports as redis-server', async () => {
    const cmds: string[][] = [];
    for (const [len, per] of [[10, 3], [300, 100], [1000, 100]] as const) {
      cmds.push(['DEL', 'x']);
      for (let i = 1; i <= len; i++) cmds.push(['XADD', 'x', `${i}-1`, 'a', String(i), ...(i % 3 === 0 ? ['b', 'c'] : [])]);
      const del = ['XDEL', 'x'];
      for (let i = 0; i < per; i++) del.push(`${1 + ((i * 37) % (len + 5))}-1`);
      cmds.push(del, ['XDEL', 'x', '1-1', '2-1', '3-1'], ['XINFO', 'STREAM', 'x'], ['XRANGE', 'x', '-', '+'], ['DUMP', 'x']);
      cmds.push(['XADD', 'x', `${len + 10}-0`, 'a', 'z'], ['XINFO', 'STREAM', 'x'], ['XTRIM', 'x', 'MAXLEN', '2'], ['XRANGE', 'x', '-', '+'], ['DUMP', 'x']);
    }
    cmds.push(['XDEL', 'x', `${1000 + 10}-0`, 'bad-id'], ['XLEN', 'x'], ['MULTI'], ['XDEL', 'x', `${1000 + 10}-0`, '1-1'], ['XLEN', 'x'], ['EXEC'], ['XDEL', 'nosuch', '1-1']);
    const pairs = await differential(s.busy.port, s.real.port, cmds);
    expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
  });
});
