// LINSERT, LREM and LTRIM edit a long list in place (the shorter side moves; no copy and rebuild of the
// whole list): over hundreds of thousands of elements another node keeps answering PING, and the list
// left equals redis-server's.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { onBoth, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 200_000);
const available = realRedisAvailable();

/** Lists `l` and `t` of N elements; every 1000th of `l` is "dup", the rest unique. */
function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const l = ['RPUSH', 'l'];
    for (let i = from; i < Math.min(N, from + 1000); i++) l.push(i % 1000 === 500 ? 'dup' : `e${i}`);
    out.push(l, ['RPUSH', 't', ...l.slice(2)]);
  }
  return out;
}

describe.skipIf(!available)('list edits in the middle of long lists', () => {
  const s = stallServers(fill);

  /** The reply, then the key's whole content, as each server has it. */
  const both = (cmd: readonly string[], key: string) => onBoth(s, cmd, ['LRANGE', key, '0', '-1']);

  it('LINSERT, LREM and LTRIM deep inside a long list leave what redis-server leaves, another node answering', async () => {
    for (const [cmd, key] of [
      [['LINSERT', 'l', 'BEFORE', `e${N - 2}`, 'new'], 'l'],
      [['LINSERT', 'l', 'AFTER', 'e3', 'front'], 'l'],
      [['LINSERT', 'l', 'AFTER', 'nosuch', 'x'], 'l'],
      [['LREM', 'l', '0', 'dup'], 'l'],
      [['LREM', 'l', '-2', 'new'], 'l'],
      [['LTRIM', 't', '5', String(-N / 4)], 't'],
      [['LTRIM', 't', '100', '150'], 't'],
    ] as const) {
      let ours!: Promise<{ reply: string; content: string }[]>;
      const { ping, loop } = await whileWorking(s.other.port, () => (ours = both([...cmd], key)));
      const [mine, real] = await ours;
      expect(mine, cmd.join(' ')).toEqual(real);
      expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
    }
  });

  it('edits at every position of short lists, wrapped or not, answer as redis-server', async () => {
    const cmds: string[][] = [];
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 60; round++) {
      cmds.push(['DEL', 'k']);
      // Pushes at both ends make the ring buffer wrap, so edits cross its seam.
      for (let i = 0; i < 1 + rnd(40); i++) cmds.push([rnd(2) === 0 ? 'LPUSH' : 'RPUSH', 'k', String(rnd(6))]);
      for (let j = 0; j < 4; j++) {
        const op = rnd(3);
        if (op === 0) cmds.push(['LINSERT', 'k', rnd(2) === 0 ? 'BEFORE' : 'AFTER', String(rnd(7)), `x${j}`]);
        else if (op === 1) cmds.push(['LREM', 'k', String(rnd(7) - 3), String(rnd(6))]);
        else cmds.push(['LTRIM', 'k', String(rnd(50) - 20), String(rnd(50) - 20)]);
        cmds.push(['LRANGE', 'k', '0', '-1'], ['LPUSH', 'k', 'f'], ['RPUSH', 'k', 'b'], ['LRANGE', 'k', '0', '-1']);
      }
    }
    const pairs = await differential(s.busy.port, s.real.port, cmds);
    expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
  });
});
