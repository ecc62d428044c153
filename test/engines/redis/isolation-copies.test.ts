// COPY of a long list copies its ring as it lies (no element-by-element rebuild), a sorted set's copy is
// appended in order, and SUNION writes a reply of hundreds of thousands in slices: another node keeps
// answering PING, and what is copied or answered equals redis-server's.
import { describe, expect, it } from 'vitest';
import { bound, digestOf, STALL_BOUND_MS, stallServers, wholeTurn, whileWorking } from './stall.ts';
import { encodeCommand, RawClient, realRedisAvailable } from './helpers.ts';

const N = Number(process.env.ISO_N ?? 100_000);
const available = realRedisAvailable();

function fill(): string[][] {
  const out: string[][] = [['LPUSH', 'l', 'head']];
  for (let from = 0; from < N; from += 1000) {
    const l = ['RPUSH', 'l'];
    const z = ['ZADD', 'z'];
    const a = ['SADD', 'a'];
    const b = ['SADD', 'b'];
    for (let i = from; i < Math.min(N, from + 1000); i++) {
      l.push(`e${i}`);
      if (i < N / 4) z.push(String(i % 7), `m${i}`);
      a.push(`a${i}`);
      b.push(`b${i}`);
    }
    out.push(l, a, b);
    if (z.length > 2) out.push(z);
  }
  return out;
}

describe.skipIf(!available)('copies and big replies', () => {
  const s = stallServers(fill);

  it('COPY of a long list and of a sorted set: copies equal redis-server\'s, another node answers', async () => {
    /** COPY's reply, then the copy's content read from database `db`. */
    const copy = async (port: number, cmd: string[], db: string, read: string[]) => {
      const c = await RawClient.connect(port);
      try {
        const reply = await c.call(...cmd);
        await c.call('SELECT', db);
        c.write(encodeCommand(read));
        return { reply, content: (await c.read(60_000)).toString('latin1') };
      } finally {
        c.close();
      }
    };
    for (const [cmd, db, read] of [
      [['COPY', 'l', 'l2'], '0', ['LRANGE', 'l2', '0', '-1']],
      [['COPY', 'z', 'z2', 'DB', '3'], '3', ['ZRANGE', 'z2', '0', '-1', 'WITHSCORES']],
    ] as const) {
      // The copy is made once under watch; then both servers copy again over it (REPLACE) to compare.
      const { ping } = await whileWorking(s.other.port, () => digestOf(s.busy.port, [...cmd]));
      const again = [...cmd, 'REPLACE'];
      const mine = await copy(s.busy.port, again, db, [...read]);
      expect(mine.reply, cmd.join(' ')).toBe(':1\r\n');
      expect(mine, cmd.join(' ')).toEqual(await copy(s.real.port, again, db, [...read]));
      // Only the list's copy is bounded here: it is a copy of the ring as it lies.
      if (cmd[1] === 'l') expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
    }
  }, 120_000);

  it('COPY of a big set, hash and stream is made in slices: another node answers, the copy holds the same', async () => {
    const c = await RawClient.connect(s.busy.port);
    try {
      for (let i = 0; i < N; i += 1000) {
        await c.call('HSET', 'h', ...Array.from({ length: 1000 }, (_, k) => [`f${i + k}`, `v${i + k}`]).flat());
        for (let k = 0; k < 1000; k += 250) await c.call('XADD', 'x', `${i + k + 1}-0`, 'f', `v${i + k}`);
      }
      for (const [key, cmd] of [
        ['a', ['COPY', 'a', 'a2']],
        ['h', ['COPY', 'h', 'h2', 'DB', '2', 'REPLACE']],
        ['x', ['COPY', 'x', 'x2']],
      ] as const) {
        const { ping, loop } = await whileWorking(s.other.port, () => c.call(...cmd));
        expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
        expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
        const copyDb = cmd[3] === 'DB' ? '2' : '0';
        const digest = async (db: string, k: string) => (await c.call('SELECT', db), await c.call('DEBUG', 'DIGEST-VALUE', k));
        expect(await digest(copyDb, cmd[2]), cmd.join(' ')).toBe(await digest('0', key));
      }
      expect(await c.call('COPY', 'a', 'a2')).toBe(':0\r\n');
    } finally {
      c.close();
    }
  }, 120_000);

  it('SUNION of two big sets answers every member in slices while another node answers', async () => {
    const c = await RawClient.connect(s.busy.port);
    try {
      const whole = await wholeTurn(c, ['SUNION', 'a', 'b']);
      let ours!: Promise<{ head: string }>;
      const { ping } = await whileWorking(s.other.port, () => (ours = digestOf(s.busy.port, ['SUNION', 'a', 'b'])));
      expect((await ours).head).toBe(`*${2 * N}`);
      expect((await digestOf(s.real.port, ['SUNION', 'a', 'b'])).head).toBe(`*${2 * N}`);
      expect(ping).toBeLessThan(bound(whole));
    } finally {
      c.close();
    }
  }, 120_000);
});
