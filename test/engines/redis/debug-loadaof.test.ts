// DEBUG LOADAOF (Redis's unit/expire and unit/other call it with appendonly yes): the dataset comes
// back with its expiry times, KEEPTTL kept and PERSIST honoured. With appendonly off (unit/aofrw) it
// loads what the last BGREWRITEAOF wrote, functions included. Differential against redis-server.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, waitUntil } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.runIf(available)('DEBUG LOADAOF as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function run(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      await c.call('CONFIG', 'SET', 'appendonly', 'yes');
      // Turning AOF on starts a rewrite in redis-server; LOADAOF must wait for it as the suite does.
      for (let i = 0; i < 300 && (await c.call('INFO', 'persistence')).includes('aof_rewrite_in_progress:1'); i++) await new Promise((r) => setTimeout(r, 50));
      const setup = [
        ['SET', 'keep', 'bar', 'EX', '100'],
        ['SET', 'keep', 'bar2', 'KEEPTTL'],
        ['SET', 'gone', 'bar', 'EX', '100'],
        ['GETEX', 'gone', 'PERSIST'],
        ['SET', 'px', 'v'],
        ['PEXPIRE', 'px', '1000000'],
        ['RPUSH', 'list', 'a', 'b', 'c'],
        ['HSET', 'h', 'f', 'v'],
      ];
      for (const cmd of setup) await c.call(...cmd);
      const out = [await c.call('DEBUG', 'LOADAOF')];
      for (const k of ['keep', 'gone', 'px']) {
        const ttl = Number((await c.call('TTL', k)).slice(1, -2));
        out.push(`${k}:${ttl === -1 ? 'persistent' : ttl > 900 ? 'near 1000' : ttl > 90 && ttl <= 100 ? 'near 100' : ttl}`);
      }
      out.push(await c.call('GET', 'keep'), await c.call('LRANGE', 'list', '0', '-1'), await c.call('HGETALL', 'h'), await c.call('DBSIZE'));
      out.push(await c.call('DEBUG', 'LOADAOF', 'extra'));
      return out;
    } finally {
      c.close();
    }
  }

  async function afterRewrite(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      await c.call('CONFIG', 'SET', 'appendonly', 'no');
      await c.call('FLUSHALL');
      await c.call('FUNCTION', 'FLUSH');
      await c.call('SET', 'before', '1');
      await c.call('FUNCTION', 'LOAD', "#!lua name=aoflib\nredis.register_function('aoffn', function() return 7 end)");
      const out = [await c.call('BGREWRITEAOF')];
      await waitUntil('the rewrite to end', async () => (await c.call('INFO', 'persistence')).includes('aof_rewrite_in_progress:0'));
      await c.call('SET', 'after', '2');
      await c.call('FUNCTION', 'FLUSH');
      out.push(await c.call('DEBUG', 'LOADAOF'), await c.call('GET', 'before'), await c.call('GET', 'after'), await c.call('FCALL', 'aoffn', '0'), await c.call('DBSIZE'));
      return out;
    } finally {
      c.close();
    }
  }

  it('with appendonly off loads what BGREWRITEAOF wrote', async () => {
    const theirs = await afterRewrite(pair.real.port);
    expect(await afterRewrite(pair.ours.port)).toEqual(theirs);
  });

  it('gives back the dataset with its expiry times', async () => {
    const theirs = await run(pair.real.port);
    const mine = await run(pair.ours.port);
    expect(theirs[0]).toBe('+OK\r\n');
    expect(mine).toEqual(theirs);
  });
});
