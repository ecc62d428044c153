// KEYS leaves keys past their TTL where they are, as redis-server 7.0's keysCommand (keyIsExpired, no
// delete): no expired_keys counted, the keys stay in DBSIZE until something else expires them, and a
// replication stream carries no DEL for them. Ours deleted each expired key KEYS met.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.runIf(available)('KEYS over expired keys, as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function run(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      expect(await c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")).toBe("+OK\r\n");
      await c.call('FLUSHALL');
      await c.call('CONFIG', 'RESETSTAT');
      for (let i = 0; i < 5; i++) await c.call('SET', `gone${i}`, 'v', 'PX', '1');
      await c.call('SET', 'kept', 'v');
      // Past every TTL on the server's own clock, without looking the keys up (a lookup would expire them).
      // redis-server 7.0 checks TTLs against a time it caches in its cron (hz 10), so wait 300 ms more.
      const serverMs = async (): Promise<number> => {
        const m = /\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)/.exec(await c.call('TIME')) as RegExpExecArray;
        return Number(m[1]) * 1000 + Math.floor(Number(m[2]) / 1000);
      };
      const until = (await serverMs()) + 300;
      while ((await serverMs()) < until) await new Promise((r) => setTimeout(r, 20));
      const out = [await c.call('KEYS', '*'), await c.call('DBSIZE')];
      const info = await c.call('INFO', 'stats');
      out.push(/expired_keys:(\d+)/.exec(info)?.[1] ?? '?');
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      return out;
    } finally {
      c.close();
    }
  }

  it('lists only live keys and deletes none of the expired ones', async () => {
    const [o, r] = await Promise.all([run(pair.ours.port), run(pair.real.port)]);
    expect(o).toEqual(r);
    expect(o).toEqual(['*1\r\n$4\r\nkept\r\n', ':6\r\n', '0']);
  });
});
