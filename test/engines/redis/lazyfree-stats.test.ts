// INFO's lazyfreed_objects counts what redis-server 7.0 would free in its background thread: values
// UNLINKed (or DELeted under lazyfree-lazy-user-del) that cost more than 64 allocations, and every key
// of a FLUSHALL/FLUSHDB ASYNC (found by Redis's unit/lazyfree). Differential against redis-server.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();
const range = (n: number, f: (i: number) => string[]): string[] => Array.from({ length: n }, (_, i) => f(i + 1)).flat();

describe.runIf(available)('lazyfreed_objects as redis-server 7.0 counts it', () => {
  const pair = serverPair();

  const lazyfreed = (info: string): string | undefined => /lazyfreed_objects:(\d+)/.exec(info)?.[1];

  /** Runs `cmds` on both; after each deletion both counts must agree (redis-server's lags until its thread is done). */
  async function counts(cmds: string[][]): Promise<void> {
    const a = await RawClient.connect(pair.ours.port);
    const b = await RawClient.connect(pair.real.port);
    try {
      for (const c of [a, b]) for (const cmd of [['FLUSHALL'], ['CONFIG', 'RESETSTAT'], ['CONFIG', 'SET', 'stream-node-max-entries', '5']]) await c.call(...cmd);
      for (const cmd of cmds) {
        const [x, y] = await Promise.all([a.call(...cmd), b.call(...cmd)]);
        expect(x, cmd.join(' ').slice(0, 60)).toBe(y);
        if (!['UNLINK', 'DEL', 'FLUSHALL', 'FLUSHDB'].includes(cmd[0] as string)) continue;
        const mine = lazyfreed(await a.call('INFO', 'memory'));
        expect(mine).toBeDefined();
        let theirs = lazyfreed(await b.call('INFO', 'memory'));
        for (let i = 0; i < 100 && theirs !== mine; i++) {
          await new Promise((r) => setTimeout(r, 50));
          theirs = lazyfreed(await b.call('INFO', 'memory'));
        }
        expect(mine, cmd.join(' ').slice(0, 60)).toBe(theirs);
      }
      for (const c of [a, b]) for (const opt of ['lazyfree-lazy-user-del', 'lazyfree-lazy-user-flush']) await c.call('CONFIG', 'SET', opt, 'no');
    } finally {
      a.close();
      b.close();
    }
  }

  it('counts big sets, hashes, zsets and streams UNLINKed, not small or compact ones', async () => {
    await counts([
      ['SADD', 'ints', ...range(100, (i) => [String(i)])],
      ['SADD', 'strs', 'a', ...range(80, (i) => [String(i)])],
      ['HSET', 'h', ...range(100, (i) => [`f${i}`, 'v'])],
      ['UNLINK', 'ints', 'strs', 'h', 'missing'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '16'],
      ['ZADD', 'small', ...range(60, (i) => [String(i), `m${i}`])],
      ['ZADD', 'big', ...range(200, (i) => [String(i), `m${i}`])],
      ['UNLINK', 'small', 'big'],
      ['SET', 'str', 'x'.repeat(100000)],
      ['UNLINK', 'str'],
      ...Array.from({ length: 400 }, (_, i) => ['XADD', 'stream', `${i + 1}-1`, 'foo', String(i)]),
      ['XGROUP', 'CREATE', 'stream', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 'stream', '>'],
      ['UNLINK', 'stream'],
      ['XADD', 's', '1-1', 'a', 'b'],
      ['XGROUP', 'CREATE', 's', 'bla', '$'],
      ['XGROUP', 'DESTROY', 's', 'bla'],
      ['UNLINK', 's'],
    ]);
  });

  it('counts DEL only under lazyfree-lazy-user-del, and every key of an asynchronous flush', async () => {
    await counts([
      ['SADD', 'a', ...range(100, (i) => [`m${i}`])],
      ['DEL', 'a'],
      ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes'],
      ['SADD', 'a', ...range(100, (i) => [`m${i}`])],
      ['DEL', 'a'],
      ['MSET', 'k1', '1', 'k2', '2', 'k3', '3'],
      ['FLUSHDB', 'ASYNC'],
      ['MSET', 'k1', '1', 'k2', '2'],
      ['FLUSHALL', 'ASYNC'],
      ['MSET', 'k1', '1', 'k2', '2'],
      ['FLUSHALL'],
      ['CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'yes'],
      ['MSET', 'k1', '1', 'k2', '2'],
      ['FLUSHALL'],
      ['MSET', 'k1', '1', 'k2', '2'],
      ['FLUSHDB', 'SYNC'],
    ]);
  });
});
