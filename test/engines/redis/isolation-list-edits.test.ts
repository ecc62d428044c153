// LINSERT, LREM and LTRIM edit a long list in place (the shorter side moves; no copy and rebuild of the
// whole list): over hundreds of thousands of elements another node keeps answering PING, and the list
// left equals redis-server's.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable } from './helpers.ts';
import { digestOf, onBoth, pipeline, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

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

  it('LPOP, RPOP and LMPOP of big counts answer and leave what redis-server does, another node answering', async () => {
    const fillP = fill().map((c) => ['RPUSH', 'p', ...c.slice(2)]);
    await Promise.all([pipeline(s.busy.port, fillP), pipeline(s.real.port, fillP)]);
    for (const cmd of [
      ['LPOP', 'p', String(N / 4)],
      ['RPOP', 'p', String(N / 4)],
      ['LMPOP', '2', 'nosuch', 'p', 'RIGHT', 'COUNT', String(N / 8)],
      ['LMPOP', '1', 'p', 'LEFT', 'COUNT', String(N)],
    ]) {
      let both!: Promise<{ sha: string; head: string }[]>;
      const { ping, loop } = await whileWorking(s.other.port, () => (both = Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, cmd)))));
      const [mine, real] = await both;
      expect(mine, cmd.join(' ')).toEqual(real);
      expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      const left = await Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, ['LRANGE', 'p', '0', '-1'])));
      expect(left[0], `${cmd.join(' ')}: what is left`).toEqual(left[1]);
    }
  }, 120_000);

  it('pops around the sliced threshold, RESP3, MULTI and events answer as redis-server', async () => {
    const cmds: string[][] = [];
    for (const n of [1000, 1025, 3000]) {
      for (let i = 0; i < n; i += 500) cmds.push(['RPUSH', 'q', ...Array.from({ length: Math.min(500, n - i) }, (_, k) => `e${i + k}`)]);
      cmds.push(['LPOP', 'q', '1025'], ['RPOP', 'q', '1030'], ['LRANGE', 'q', '0', '-1'], ['LMPOP', '1', 'q', 'RIGHT', 'COUNT', '5000'], ['EXISTS', 'q']);
    }
    cmds.push(['RPUSH', 'y', 'a', 'b'], ['MULTI'], ['RPOP', 'y', '2000'], ['LPOP', 'nosuch', '2000'], ['EXEC']);
    cmds.push(['SET', 's', 'x'], ['LPOP', 's', '2000'], ['LMPOP', '1', 's', 'LEFT', 'COUNT', '2000']);
    for (const proto of [2, 3] as const) {
      const pairs = await differential(s.busy.port, s.real.port, cmds, proto);
      expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
    }
    const events = async (port: number) => {
      const sub = await RawClient.connect(port);
      const c = await RawClient.connect(port);
      try {
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
        await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
        for (const key of ['e1', 'e2']) for (let i = 0; i < 5000; i += 500) await c.call('RPUSH', key, ...Array.from({ length: 500 }, (_, k) => `m${i + k}`));
        await c.call('LPOP', 'e1', '2500');
        await c.call('LMPOP', '1', 'e2', 'RIGHT', 'COUNT', '9000');
        await c.call('RPOP', 'e1', '9000');
        await c.call('LINSERT', 'e2', 'BEFORE', 'nosuch', 'x');
        await c.call('SET', 'end', 'x');
        const got: string[] = [];
        for (;;) {
          const m = (await sub.read(10_000)).toString();
          if (m.includes(':set')) return got;
          if (!m.includes(':rpush')) got.push(m);
        }
      } finally {
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
        sub.close();
        c.close();
      }
    };
    const [mine, real] = await Promise.all([events(s.busy.port), events(s.real.port)]);
    expect(mine).toEqual(real);
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
