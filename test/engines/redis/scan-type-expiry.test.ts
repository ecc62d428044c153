// SCAN with TYPE as redis-server 7.0 runs it (Redis's unit/scan, "SCAN ... with expired keys with TYPE
// filter"): each key the pattern lets through is looked up to read its type, so an expired key of any
// type is deleted and every lookup counts as a keyspace hit or miss.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const needed = realRedisAvailable() || process.env.CI === 'true';

describe.skipIf(!needed)('SCAN TYPE as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function run(port: number): Promise<string[]> {
    const r = await RawClient.connect(port);
    const seen: string[] = [];
    const stats = async () => {
      const info = await r.call('INFO', 'stats');
      return ['keyspace_hits', 'keyspace_misses', 'expired_keys'].map((f) => new RegExp(`${f}:(\\d+)`).exec(info)?.[1]).join(' ');
    };
    const keys = (reply: string) => reply.split('\r\n').filter((l) => /^[a-z]/.test(l)).sort().join(',');
    try {
      await r.call('FLUSHALL');
      await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await r.call('MSET', 'a1', '1', 'a2', '2', 'b1', '3');
      await r.call('HSET', 'h', 'f', 'v');
      await r.call('RPUSH', 'l', 'x');
      await r.call('SET', 'gone', 'x');
      for (const k of ['h', 'l', 'gone']) await r.call('PEXPIRE', k, '1');
      await new Promise((res) => setTimeout(res, 20));
      const steps: [string, ...string[]][] = [
        ['SCAN', '0', 'MATCH', 'a*', 'TYPE', 'STRING', 'COUNT', '100'],
        ['SCAN', '0', 'TYPE', 'nosuchtype', 'COUNT', '100'],
        ['SCAN', '0', 'TYPE', 'string', 'COUNT', '100'],
        ['SCAN', '0', 'COUNT', '100'],
      ];
      for (const step of steps) {
        await r.call('CONFIG', 'RESETSTAT');
        const reply = await r.call(...step);
        seen.push(`${step.join(' ')} => ${keys(reply)} | ${await stats()} | dbsize ${(await r.call('DBSIZE')).trim()}`);
      }
      return seen;
    } finally {
      await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      r.close();
    }
  }

  it('deletes expired keys of every type it looks at and counts the lookups', async () => {
    const [ours, real] = [await run(pair.ours.port), await run(pair.real.port)];
    expect(ours).toEqual(real);
  });
});
